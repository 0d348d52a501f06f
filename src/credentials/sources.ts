/**
 * Which source the credentials come from: the pinned one (`credentials.source` /
 * `--credentials`), or the first that applies in the documented order — spec values,
 * environment keys, web identity, a named profile, the AWS SDK's default chain. A source that
 * does not apply says why, so "no credentials" can list every reason at once.
 */
import type { AwsCredentialIdentity } from '@smithy/types';
import { S3shipError } from '../errors.js';
import { CREDENTIAL_SOURCES, type CredentialsConfig, type CredentialSource } from './config.js';
import type { StsSettings } from './sts.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface SourceContext {
  config: CredentialsConfig;
  env: Env;
  sts: StsSettings;
  now: () => number;
  mask: (secret: string) => void;
}

/** The chosen source: how to fetch from it and what to say about it. */
export interface ChosenSource {
  kind: CredentialSource;
  /** For the log, e.g. `environment (AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN)`. */
  label: string;
  /** The role these credentials act as, when known before asking (for access-denied messages). */
  roleArn: string | undefined;
  fetch: () => Promise<AwsCredentialIdentity>;
  /** The assumed-role ARN STS reported on the last fetch, if it was an STS session. */
  assumedArn: () => string | undefined;
}

export type Attempt = ChosenSource | { skip: string };

const staticKeys = (id: string, secret: string, token: string | undefined) => ({
  accessKeyId: id,
  secretAccessKey: secret,
  ...(token ? { sessionToken: token } : {}),
});

function fromSpec({ config, mask }: SourceContext): Attempt {
  const { accessKeyId, secretAccessKey, sessionToken } = config;
  if (!accessKeyId || !secretAccessKey)
    return {
      skip: 'spec: credentials.access_key_id and credentials.secret_access_key are not both set',
    };
  mask(secretAccessKey);
  if (sessionToken) mask(sessionToken);
  const keys = staticKeys(accessKeyId, secretAccessKey, sessionToken);
  return {
    kind: 'spec',
    label: `spec (credentials.access_key_id${sessionToken ? ' with session_token' : ''})`,
    roleArn: undefined,
    fetch: () => Promise.resolve(keys),
    assumedArn: () => undefined,
  };
}

function fromEnv({ env, mask }: SourceContext): Attempt {
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (!id || !secret) {
    const half = id
      ? 'AWS_SECRET_ACCESS_KEY is not set'
      : secret
        ? 'AWS_ACCESS_KEY_ID is not set'
        : '';
    return { skip: `env: ${half || 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set'}` };
  }
  const token = env.AWS_SESSION_TOKEN || undefined;
  mask(secret);
  if (token) mask(token);
  const keys = staticKeys(id, secret, token);
  return {
    kind: 'env',
    label: `environment (AWS_ACCESS_KEY_ID${token ? ' with AWS_SESSION_TOKEN' : ''})`,
    roleArn: undefined,
    fetch: () => Promise.resolve(keys),
    assumedArn: () => undefined,
  };
}

// Keys from the spec or the environment need nothing more; the other sources need the AWS
// SDK's STS client and credential providers (~50 ms to load), so they are loaded only when
// asked for — most CI deploys pass keys or get them from OIDC before this point.
const remote =
  (name: 'fromWebIdentity' | 'fromProfile' | 'fromDefaultChain') => async (ctx: SourceContext) =>
    (await import('./sources-sdk.js'))[name](ctx);

const BUILDERS: Record<CredentialSource, (ctx: SourceContext) => Attempt | Promise<Attempt>> = {
  spec: fromSpec,
  env: fromEnv,
  'web-identity': remote('fromWebIdentity'),
  profile: remote('fromProfile'),
  default: remote('fromDefaultChain'),
};

/** The source to use; throws (exit 3) when a pinned source does not apply. */
export async function chooseSource(ctx: SourceContext): Promise<{
  chosen: ChosenSource;
  skipped: string[];
}> {
  const pinned = ctx.config.source;
  const order = pinned === 'auto' ? CREDENTIAL_SOURCES : [pinned];
  const skipped: string[] = [];
  for (const kind of order) {
    const attempt = await BUILDERS[kind](ctx);
    if (!('skip' in attempt)) return { chosen: attempt, skipped };
    skipped.push(attempt.skip);
  }
  throw new S3shipError(
    'CREDENTIALS',
    `Credentials source "${pinned}" (credentials.source or --credentials) does not apply: ${skipped.join('; ')} — fix: provide what it needs, or let s3ship choose (credentials.source: auto)`,
  );
}
