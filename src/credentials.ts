/**
 * Where the credentials come from. This first version knows the environment's static keys
 * (with the session token, which popular actions drop) and otherwise defers to the SDK's
 * default chain (profiles, SSO, web identity file, container and instance metadata).
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface ResolvedCredentials {
  /** Where they came from, for the log (never the secret). */
  source: string;
  provider: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export function resolveCredentials(
  env: Readonly<Record<string, string | undefined>>,
): ResolvedCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN;
    return {
      source: `environment (AWS_ACCESS_KEY_ID${sessionToken ? ' with AWS_SESSION_TOKEN' : ''})`,
      provider: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    };
  }
  return {
    source: 'AWS SDK default chain (profile, web identity, container or instance role)',
    provider: fromNodeProviderChain(),
  };
}
