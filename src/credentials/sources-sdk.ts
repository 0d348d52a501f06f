/**
 * The credential sources that need the AWS SDK (STS, the shared-config parser, the default
 * provider chain): web identity (OIDC), a named profile, the SDK's default chain. sources.ts
 * loads this module only when one of them is tried, so a deploy with keys does not pay for it.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';
import { describeProfile, profileFetch, profileFiles } from './profile.js';
import type { Attempt, SourceContext } from './sources.js';
import type { SessionCredentials } from './sts.js';
import { pickTokenSource, sessionNameFor } from './tokens.js';
import { webIdentityFetch } from './web-identity.js';

export function fromWebIdentity(ctx: SourceContext): Attempt {
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

export async function fromProfile(ctx: SourceContext): Promise<Attempt> {
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
    fetch: maskedFetch(fetch, ctx.mask),
    assumedArn: () => assumed,
  };
}

export function fromDefaultChain(ctx: SourceContext): Attempt {
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
    fetch: maskedFetch(chain, ctx.mask),
    assumedArn: () => undefined,
  };
}

/** Every secret a fetch returns goes to the masker before anyone can print it. */
function maskedFetch(
  fetch: () => Promise<AwsCredentialIdentity>,
  mask: (secret: string) => void,
): () => Promise<AwsCredentialIdentity> {
  return async () => {
    const c = await fetch();
    mask(c.secretAccessKey);
    if (c.sessionToken) mask(c.sessionToken);
    return c;
  };
}
