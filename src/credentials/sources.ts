/**
 * Which source the credentials come from: the pinned one (`credentials.source` /
 * `--credentials`), or the first that applies in the documented order — spec values,
 * environment keys, web identity, a named profile, the AWS SDK's default chain. A source that
 * does not apply says why, so "no credentials" can list every reason at once.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';
import { S3shipError } from '../errors.js';
import { CREDENTIAL_SOURCES, type CredentialsConfig, type CredentialSource } from './config.js';
import { describeProfile, profileFetch, profileFiles } from './profile.js';
import type { SessionCredentials, StsSettings } from './sts.js';
import { pickTokenSource, sessionNameFor } from './tokens.js';
import { webIdentityFetch } from './web-identity.js';

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

type Attempt = ChosenSource | { skip: string };

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

function fromWebIdentity(ctx: SourceContext): Attempt {
  const w = ctx.config.webIdentity;
  const roleArn = w.roleArn ?? (ctx.env.AWS_ROLE_ARN || undefined);
  const source = pickTokenSource(ctx.env, w, process.cwd());
  if (!source)
    return {
      skip: 'web-identity: no token (no GitHub ACTIONS_ID_TOKEN_REQUEST_URL, credentials.web_identity.token_variable or token_file, or AWS_WEB_IDENTITY_TOKEN_FILE)',
    };
  if (!roleArn)
    return {
      skip: `web-identity: a ${source.label} is there but no role to assume (set credentials.web_identity.role_arn or AWS_ROLE_ARN)`,
    };
  let last: SessionCredentials | undefined;
  return {
    kind: 'web-identity',
    label: `web identity: ${source.label} → role ${roleArn}`,
    roleArn,
    fetch: webIdentityFetch({
      source,
      roleArn,
      audience: w.audience,
      sessionName: w.sessionName ?? sessionNameFor(ctx.env, ctx.now()),
      durationSeconds: w.durationSeconds,
      sts: ctx.sts,
      now: ctx.now,
      mask: ctx.mask,
      onSession: (s) => (last = s),
    }),
    assumedArn: () => last?.assumedRoleArn,
  };
}

async function fromProfile(ctx: SourceContext): Promise<Attempt> {
  const name = ctx.config.profile ?? (ctx.env.AWS_PROFILE || undefined);
  if (!name) return { skip: 'profile: neither credentials.profile nor AWS_PROFILE is set' };
  const files = profileFiles(ctx.env);
  const described = await describeProfile(name, files);
  let assumed: string | undefined;
  const sessionName = sessionNameFor(ctx.env, ctx.now());
  const fetch = profileFetch(name, files, ctx.sts, sessionName, (arn) => (assumed = arn));
  return {
    kind: 'profile',
    label: described.label,
    roleArn: described.roleArn,
    fetch: async () => {
      const c = await fetch();
      ctx.mask(c.secretAccessKey);
      if (c.sessionToken) ctx.mask(c.sessionToken);
      return c;
    },
    assumedArn: () => assumed,
  };
}

function fromDefaultChain(ctx: SourceContext): Attempt {
  const chain = fromNodeProviderChain({
    clientConfig: {
      region: ctx.sts.region,
      ...(ctx.sts.endpoint ? { endpoint: ctx.sts.endpoint } : {}),
    },
  });
  return {
    kind: 'default',
    label: 'AWS SDK default chain (container or instance role, default profile)',
    roleArn: undefined,
    fetch: async () => {
      const c = await chain();
      ctx.mask(c.secretAccessKey);
      if (c.sessionToken) ctx.mask(c.sessionToken);
      return c;
    },
    assumedArn: () => undefined,
  };
}

const BUILDERS: Record<CredentialSource, (ctx: SourceContext) => Attempt | Promise<Attempt>> = {
  spec: fromSpec,
  env: fromEnv,
  'web-identity': fromWebIdentity,
  profile: fromProfile,
  default: fromDefaultChain,
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
