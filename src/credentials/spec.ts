/**
 * The spec's `credentials:` mapping: its schema (part of the one spec schema, so it shares the
 * validation, the JSON Schema and the README table) and its normalization into
 * CredentialsConfig. Kept beside the credentials code it configures.
 */
import * as z from 'zod';
import { always, httpUrl, intRange, oneOf, str } from '../spec/fields.js';
import {
  CREDENTIAL_SOURCES,
  DEFAULT_AUDIENCE,
  DEFAULT_CREDENTIALS,
  MAX_SESSION_SECONDS,
  MIN_SESSION_SECONDS,
  type CredentialsConfig,
} from './config.js';

const roleArn = str('expected a role ARN such as "arn:aws:iam::123456789012:role/deploy"').regex(
  /^arn:[\w-]+:iam::\d*:role\/[\w+=,.@/-]+$/,
  { error: 'expected a role ARN such as "arn:aws:iam::123456789012:role/deploy"' },
);
const sessionName = str('expected a session name').regex(/^[\w+=,.@-]{2,64}$/, {
  error: 'expected a session name of 2 to 64 letters, digits and +=,.@_-',
});
const durationSeconds = intRange(MIN_SESSION_SECONDS, MAX_SESSION_SECONDS).describe(
  `Session length in seconds, ${MIN_SESSION_SECONDS} to ${MAX_SESSION_SECONDS} (at most the role's maximum session duration); STS's default is 3600.`,
);
const secretRef = (what: string) =>
  str(`expected ${what}, written as \${VARIABLE}`).describe(
    `${what[0]?.toUpperCase()}${what.slice(1)}; write \`\${VARIABLE}\` (a literal value in the file is warned about).`,
  );

const webIdentity = z
  .strictObject(
    {
      role_arn: roleArn
        .optional()
        .describe('Role to assume with the token; `AWS_ROLE_ARN` when unset.'),
      audience: str('expected an audience')
        .default(DEFAULT_AUDIENCE)
        .describe(
          "Audience (`aud`) asked of GitHub's ID-token service and expected in other tokens.",
        ),
      token_variable: str('expected an environment variable name')
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' })
        .optional()
        .describe('Environment variable holding the token, e.g. a GitLab `id_tokens:` variable.'),
      token_file: str('expected a file path')
        .optional()
        .describe('File holding the token; `AWS_WEB_IDENTITY_TOKEN_FILE` when unset.'),
      session_name: sessionName
        .optional()
        .describe("Role session name; by default built from the CI's run and job ids."),
      duration_seconds: durationSeconds.optional(),
    },
    { error: 'expected a mapping (role_arn, audience, token_variable, token_file, …)' },
  )
  .prefault({});

const assumeRole = z.strictObject(
  {
    role_arn: roleArn.describe('Role to assume with the credentials of the chosen source.'),
    external_id: str('expected an external id')
      .optional()
      .describe("External id the role's trust policy requires."),
    session_name: sessionName.optional().describe('Role session name; by default from the CI ids.'),
    duration_seconds: durationSeconds.optional(),
  },
  { error: 'expected a mapping with at least "role_arn"' },
);

export const credentialsSchema = z
  .strictObject(
    {
      source: oneOf(['auto', ...CREDENTIAL_SOURCES])
        .default('auto')
        .describe(
          'Where credentials come from: `auto` tries `spec`, `env`, `web-identity`, `profile`, `default` in that order; any other value pins that one (also `--credentials`).',
        ),
      access_key_id: secretRef('the access key id').optional(),
      secret_access_key: secretRef('the secret access key').optional(),
      session_token: secretRef('the session token of temporary keys').optional(),
      profile: str('expected a profile name')
        .optional()
        .describe('Shared profile (`~/.aws/config`, `credentials`); `AWS_PROFILE` when unset.'),
      web_identity: webIdentity.describe(
        'Web identity (OIDC): GitHub ID token, a token variable (GitLab) or file, exchanged for a role.',
      ),
      assume_role: assumeRole
        .optional()
        .describe('A role assumed on top of any source (role chaining, external id).'),
      sts: z
        .strictObject(
          {
            endpoint: httpUrl
              .optional()
              .describe(
                'STS endpoint; by default `AWS_ENDPOINT_URL_STS`, else `target.endpoint` when set, else AWS.',
              ),
            region: str('expected a region name')
              .optional()
              .describe('STS region; by default `target.region`.'),
          },
          { error: 'expected a mapping with endpoint and/or region' },
        )
        .prefault({})
        .describe('Where STS is.'),
    },
    { error: 'expected a mapping (source, profile, web_identity, assume_role, sts, …)' },
  )
  .refine(
    (c) =>
      typeof c !== 'object' ||
      c === null ||
      (c.access_key_id === undefined) === (c.secret_access_key === undefined),
    {
      ...always,
      path: ['secret_access_key'],
      error: 'expected access_key_id and secret_access_key together',
    },
  );

export type CredentialsSpec = z.output<typeof credentialsSchema>;

/** Spec keys whose value is a secret (warned about when written literally). */
const SECRET_KEYS = ['secret_access_key', 'session_token'] as const;

/**
 * CredentialsConfig from the validated mapping; `substituted` holds the dotted paths of values
 * that came from `${…}` (the others were written literally).
 */
export function normalizeCredentials(
  c: CredentialsSpec | undefined,
  substituted: ReadonlySet<string>,
): CredentialsConfig {
  if (!c) return DEFAULT_CREDENTIALS;
  const w = c.web_identity;
  return {
    source: c.source,
    accessKeyId: c.access_key_id,
    secretAccessKey: c.secret_access_key,
    sessionToken: c.session_token,
    literalSecrets: SECRET_KEYS.filter(
      (k) => c[k] !== undefined && !substituted.has(`credentials.${k}`),
    ).map((k) => `credentials.${k}`),
    profile: c.profile,
    webIdentity: {
      roleArn: w.role_arn,
      audience: w.audience,
      tokenVariable: w.token_variable,
      tokenFile: w.token_file,
      sessionName: w.session_name,
      durationSeconds: w.duration_seconds,
    },
    assumeRole: c.assume_role && {
      roleArn: c.assume_role.role_arn,
      externalId: c.assume_role.external_id,
      sessionName: c.assume_role.session_name,
      durationSeconds: c.assume_role.duration_seconds,
    },
    sts: { endpoint: c.sts.endpoint, region: c.sts.region },
  };
}
