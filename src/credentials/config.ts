/**
 * The credentials part of the normalized deploy configuration (`credentials:` in the spec,
 * `--credentials` on the command line): which source to use, and what each source needs.
 */

/** Where credentials may come from, in the order `auto` tries them. */
export const CREDENTIAL_SOURCES = ['spec', 'env', 'web-identity', 'profile', 'default'] as const;
export type CredentialSource = (typeof CREDENTIAL_SOURCES)[number];

/** The audience STS expects in web identity tokens unless told otherwise (as AWS's own). */
export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';

/** STS's own limits for DurationSeconds: 15 minutes to 12 hours. */
export const MIN_SESSION_SECONDS = 900;
export const MAX_SESSION_SECONDS = 43_200;

export interface WebIdentityConfig {
  /** Role to assume; AWS_ROLE_ARN when unset. */
  roleArn: string | undefined;
  /** Audience asked of GitHub and expected in other tokens. */
  audience: string;
  /** Name of an environment variable holding the token (GitLab `id_tokens:`). */
  tokenVariable: string | undefined;
  /** File holding the token; AWS_WEB_IDENTITY_TOKEN_FILE when unset. */
  tokenFile: string | undefined;
  /** RoleSessionName; by default built from the CI's run and job ids. */
  sessionName: string | undefined;
  durationSeconds: number | undefined;
}

export interface AssumeRoleConfig {
  roleArn: string;
  externalId: string | undefined;
  sessionName: string | undefined;
  durationSeconds: number | undefined;
}

export interface CredentialsConfig {
  /** `auto` tries every source in CREDENTIAL_SOURCES order; any other value pins one. */
  source: 'auto' | CredentialSource;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  sessionToken: string | undefined;
  /**
   * Spec keys holding a secret written literally in the file instead of as `${VAR}`
   * (e.g. `credentials.secret_access_key`): warned about, never printed.
   */
  literalSecrets: string[];
  /** Shared profile name; AWS_PROFILE when unset. */
  profile: string | undefined;
  webIdentity: WebIdentityConfig;
  /** A role assumed on top of whatever the source gave (role chaining). */
  assumeRole: AssumeRoleConfig | undefined;
  sts: {
    /** STS endpoint; by default the target's endpoint when it has one, else AWS's. */
    endpoint: string | undefined;
    region: string | undefined;
  };
}

/** What an absent `credentials:` mapping means. */
export const DEFAULT_CREDENTIALS: CredentialsConfig = {
  source: 'auto',
  accessKeyId: undefined,
  secretAccessKey: undefined,
  sessionToken: undefined,
  literalSecrets: [],
  profile: undefined,
  webIdentity: {
    roleArn: undefined,
    audience: DEFAULT_AUDIENCE,
    tokenVariable: undefined,
    tokenFile: undefined,
    sessionName: undefined,
    durationSeconds: undefined,
  },
  assumeRole: undefined,
  sts: { endpoint: undefined, region: undefined },
};
