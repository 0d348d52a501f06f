/**
 * A shared profile from ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE /
 * AWS_SHARED_CREDENTIALS_FILE): static keys, `role_arn` + `source_profile` (the role is assumed
 * through our STS settings, so a custom STS endpoint applies), or `credential_process`. The
 * AWS SDK's own ini provider does the resolving; this module picks the files from the injected
 * environment, describes the profile for the log (never its secrets) and words its failures.
 */
import os from 'node:os';
import path from 'node:path';
import { fromIni } from '@aws-sdk/credential-providers';
import { parseKnownFiles } from '@smithy/core/config';
import type { AwsCredentialIdentity } from '@smithy/types';
import { S3shipError } from '../errors.js';
import { assumeRole, stsClient, type StsSettings } from './sts.js';
import { explainStsFailure } from './explain-sts.js';
import { StsFailure } from './sts.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ProfileFiles {
  config: string;
  credentials: string;
}

export function profileFiles(env: Env): ProfileFiles {
  const home = env.HOME || os.homedir();
  return {
    config: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
  };
}

export interface ProfileDescription {
  /** e.g. `profile deploy (role_arn arn:… via source_profile base)` */
  label: string;
  /** The role it assumes, if any (named in access-denied messages). */
  roleArn: string | undefined;
}

/** Reads the profile's keys to say what kind it is; throws when the profile does not exist. */
export async function describeProfile(
  name: string,
  files: ProfileFiles,
): Promise<ProfileDescription> {
  const profiles = await parseKnownFiles({
    profile: name,
    filepath: files.credentials,
    configFilepath: files.config,
    ignoreCache: true,
  });
  const p = profiles[name];
  if (!p) {
    throw new S3shipError(
      'CREDENTIALS',
      `Profile "${name}" is in neither ${files.config} nor ${files.credentials} — fix: add it, set AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE to the files that have it, or correct AWS_PROFILE / credentials.profile`,
    );
  }
  const how = p.role_arn
    ? `role_arn ${p.role_arn}${p.source_profile ? ` via source_profile ${p.source_profile}` : p.credential_source ? ` via ${p.credential_source}` : ''}`
    : p.credential_process
      ? 'credential_process'
      : p.web_identity_token_file
        ? 'web_identity_token_file'
        : p.sso_session || p.sso_start_url
          ? 'SSO'
          : 'static keys';
  return { label: `profile ${name} (${how})`, roleArn: p.role_arn };
}

/** Fetches the profile's credentials anew on every call (renewals re-run credential_process). */
export function profileFetch(
  name: string,
  files: ProfileFiles,
  sts: StsSettings,
  sessionName: string,
  onAssumed: (arn: string | undefined) => void,
): () => Promise<AwsCredentialIdentity> {
  return async () => {
    const provider = fromIni({
      profile: name,
      filepath: files.credentials,
      configFilepath: files.config,
      ignoreCache: true,
      roleAssumer: async (source, params) => {
        try {
          const s = await assumeRole(stsClient(sts, source), {
            roleArn: params.RoleArn,
            // the SDK's default (aws-sdk-js-<time>) says less than the CI's ids; a
            // role_session_name in the profile is kept
            sessionName: params.RoleSessionName.startsWith('aws-sdk-js-')
              ? sessionName
              : params.RoleSessionName,
            externalId: params.ExternalId,
            durationSeconds: params.DurationSeconds,
          });
          onAssumed(s.assumedRoleArn);
          return s.credentials;
        } catch (error) {
          if (!(error instanceof StsFailure)) throw error;
          const context = {
            roleArn: params.RoleArn,
            endpoint: sts.endpoint,
            region: sts.region,
            externalId: params.ExternalId !== undefined,
          };
          throw new S3shipError(
            'CREDENTIALS',
            `Profile "${name}": ${explainStsFailure(error, context)}`,
            { cause: error },
          );
        }
      },
    });
    try {
      return await provider();
    } catch (error) {
      if (error instanceof S3shipError) throw error;
      throw new S3shipError(
        'CREDENTIALS',
        `Profile "${name}" gave no credentials: ${firstLine(error)} — fix: check the profile in ${files.config} / ${files.credentials} (its keys, source_profile, or that its credential_process prints the JSON the AWS CLI expects)`,
        { cause: error },
      );
    }
  };
}

/** The SDK's first line only: a credential_process's output that follows could hold secrets. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0]?.trim() || 'no reason given';
}
