/**
 * Where the credentials come from, resolved once before anything is scanned or sent:
 *
 *   1. `credentials.access_key_id` / `secret_access_key` (/ `session_token`) in the spec,
 *      written as `${VAR}` references (a literal secret in the file is warned about);
 *   2. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN, which popular actions drop);
 *   3. web identity (OIDC) with a role: GitHub's ID-token service, a GitLab `id_tokens` variable
 *      or a token file, then AssumeRoleWithWebIdentity;
 *   4. a shared profile (credentials.profile or AWS_PROFILE);
 *   5. the AWS SDK's default chain (container and instance roles, the default profile).
 *
 * `credentials.source` / `--credentials` pins one of them; `credentials.assume_role` assumes a
 * role on top of any. Temporary credentials renew themselves before they expire (refresh.ts).
 * The log gets the source and the identity (from STS), never a secret: every secret goes to
 * `mask` first (GitHub's ::add-mask::).
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { CredentialsConfig } from './credentials/config.js';
import { refreshingProvider, type RefreshingProvider } from './credentials/refresh.js';
import { chooseSource, type ChosenSource } from './credentials/sources.js';
import { callerIdentity } from './credentials/identity.js';
import type { SessionCredentials, StsSettings } from './credentials/sts.js';
import { sessionNameFor } from './credentials/tokens.js';
import { S3shipError } from './errors.js';
import { StoreError } from './store/store.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface CredentialsOptions {
  config: CredentialsConfig;
  env: Env;
  /** The store's endpoint and region: STS defaults to them (S3-compatible stores serve STS there). */
  target: { endpoint: string | undefined; region: string | undefined };
  now?: () => number;
  mask?: (secret: string) => void;
  warn?: (message: string) => void;
  /** Ask STS (GetCallerIdentity) who static or profile credentials are. Default true. */
  identify?: boolean;
  /** Renew temporary credentials when less than this is left (default 5 minutes). */
  refreshWindowMs?: number;
}

/** The credentials described for people: where from and who (never the secret). */
export interface DescribedCredentials {
  /** Source and identity, for the log. */
  source: string;
  /** Who is refused when access is denied, e.g. `role arn:aws:iam::1:role/deploy`. */
  principal: string | undefined;
}

export interface ResolvedCredentials {
  /**
   * Settles (never rejects) once STS said who the credentials are. Started, not awaited, by
   * resolveCredentials: a deploy scans and lists meanwhile, and opens its log when it settles.
   */
  described: Promise<DescribedCredentials>;
  /** For the S3 client: renews itself; its failures are fatal store errors. */
  provider: AwsCredentialIdentityProvider;
  /** How many times credentials were fetched (renewals included). */
  fetches: () => number;
}

/** Code of the store error a failed renewal becomes in the middle of a deploy. */
export const CREDENTIALS_UNAVAILABLE = 'CredentialsUnavailable';

/** @throws S3shipError('CREDENTIALS') with one line of cause and fix when none can be had. */
export async function resolveCredentials(o: CredentialsOptions): Promise<ResolvedCredentials> {
  const now = o.now ?? Date.now;
  const mask = o.mask ?? (() => undefined);
  const warn = o.warn ?? (() => undefined);
  for (const key of o.config.literalSecrets) {
    warn(
      `${key} is written literally in the spec: anyone who can read the file has the secret — write it as \${VARIABLE} and pass the variable as a CI secret`,
    );
  }
  const sts = {
    endpoint: o.config.sts.endpoint ?? (o.env.AWS_ENDPOINT_URL_STS || o.target.endpoint),
    region: o.config.sts.region ?? o.target.region ?? 'us-east-1',
  };
  const { chosen, skipped } = await chooseSource({ config: o.config, env: o.env, sts, now, mask });
  const refresh = {
    now,
    ...(o.refreshWindowMs !== undefined ? { windowMs: o.refreshWindowMs } : {}),
    onRefreshError: (error: unknown) =>
      warn(`renewing the credentials failed, retrying while they last: ${messageOf(error)}`),
  };
  let provider: RefreshingProvider = refreshingProvider(chosen.fetch, refresh);
  let label = chosen.label;
  let roleArn = chosen.roleArn;
  let assumedArn = chosen.assumedArn;
  const role = o.config.assumeRole;
  if (role) {
    // STS and its SDK client load only when a role is assumed (or the identity asked for).
    const { assumeRoleFetch } = await import('./credentials/web-identity.js');
    let last: SessionCredentials | undefined;
    const base = provider;
    provider = refreshingProvider(
      assumeRoleFetch({
        role,
        sessionName: sessionNameFor(o.env, now()),
        base,
        sts,
        mask,
        onSession: (s) => (last = s),
      }),
      refresh,
    );
    label += ` → assume_role ${role.roleArn}${role.externalId !== undefined ? ' (with external id)' : ''}`;
    roleArn = role.roleArn;
    assumedArn = () => last?.assumedRoleArn;
  }
  await prime(provider, chosen, skipped);
  const described = describeIdentity(assumedArn(), o.identify !== false, sts, provider).then(
    (identity) => ({
      source: `${label}; ${identity.text}`,
      principal: roleArn ? `role ${roleArn}` : identity.arn,
    }),
  );
  return {
    described,
    provider: storeFacing(provider),
    fetches: () => provider.fetches,
  };
}

/** First fetch, so a bad token or key fails here (exit 3) before anything is scanned or sent. */
async function prime(
  provider: RefreshingProvider,
  chosen: ChosenSource,
  skipped: string[],
): Promise<AwsCredentialIdentity> {
  try {
    return await provider();
  } catch (error) {
    if (error instanceof S3shipError) throw error;
    const tried = skipped.length > 0 ? ` (${skipped.join('; ')})` : '';
    const lead =
      chosen.kind === 'default'
        ? `No credentials found${tried}; the AWS SDK default chain found none either: ${messageOf(error)}`
        : `The credentials from ${chosen.label} could not be had: ${messageOf(error)}`;
    throw new S3shipError(
      'CREDENTIALS',
      `${lead} — fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a role for OIDC (credentials.web_identity.role_arn or AWS_ROLE_ARN; GitHub jobs need \`permissions: id-token: write\`), or AWS_PROFILE`,
      { cause: error },
    );
  }
}

async function describeIdentity(
  assumedArn: string | undefined,
  identify: boolean,
  settings: StsSettings,
  provider: AwsCredentialIdentityProvider,
): Promise<{ text: string; arn: string | undefined }> {
  if (assumedArn) return { text: `identity ${assumedArn}`, arn: assumedArn };
  if (!identify) return { text: 'identity not looked up', arn: undefined };
  const who = await callerIdentity(settings, provider);
  return who.known
    ? {
        text: `identity ${who.arn}${who.account ? ` (account ${who.account})` : ''}`,
        arn: who.arn,
      }
    : { text: `identity not reported: ${who.reason}`, arn: undefined };
}

/** The provider the S3 client gets: a failed renewal mid-deploy stops the deploy (exit 3). */
function storeFacing(provider: RefreshingProvider): AwsCredentialIdentityProvider {
  const wrapped = async () => {
    try {
      return await provider();
    } catch (error) {
      throw new StoreError(
        CREDENTIALS_UNAVAILABLE,
        messageOf(error),
        { retryable: false, fatal: true, operation: 'GetCredentials' },
        { cause: error },
      );
    }
  };
  // Our provider caches and renews itself; the SDK must call it before every request.
  return Object.assign(wrapped, { memoized: true });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
