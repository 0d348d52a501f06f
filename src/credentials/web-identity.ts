/**
 * Web identity (OIDC) credentials: a token from the CI (see tokens.ts), exchanged for a role's
 * temporary credentials with AssumeRoleWithWebIdentity; and `assume_role` on top of any
 * source (AssumeRole, role chaining). Each call fetches anew: refresh.ts decides when.
 * A refusal is explained in one line, with what is wrong with the token when STS does not say.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { S3shipError } from '../errors.js';
import type { AssumeRoleConfig } from './config.js';
import { diagnoseToken } from './diagnose.js';
import { explainStsFailure, TOKEN_REFUSALS } from './explain-sts.js';
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  StsFailure,
  stsClient,
  type SessionCredentials,
  type StsSettings,
} from './sts.js';
import type { TokenSource } from './tokens.js';

export interface WebIdentityOptions {
  source: TokenSource;
  roleArn: string;
  audience: string;
  sessionName: string;
  durationSeconds: number | undefined;
  sts: StsSettings;
  now: () => number;
  /** Every secret seen (the token, the keys) goes here first, to be masked. */
  mask: (secret: string) => void;
  onSession: (session: SessionCredentials) => void;
}

export function webIdentityFetch(o: WebIdentityOptions): () => Promise<AwsCredentialIdentity> {
  const client = stsClient(o.sts);
  return async () => {
    const token = await o.source.get();
    o.mask(token);
    try {
      const session = await assumeRoleWithWebIdentity(client, {
        roleArn: o.roleArn,
        token,
        sessionName: o.sessionName,
        durationSeconds: o.durationSeconds,
      });
      maskSession(session, o.mask);
      o.onSession(session);
      return session.credentials;
    } catch (error) {
      if (!(error instanceof StsFailure)) throw error;
      const verdict = TOKEN_REFUSALS.has(error.code)
        ? await diagnoseToken(token, {
            audience: o.audience,
            renewHint: o.source.renewHint,
            origin: o.source.label,
            roleArn: o.roleArn,
            now: o.now(),
          })
        : undefined;
      const context = { roleArn: o.roleArn, endpoint: o.sts.endpoint, region: o.sts.region };
      throw new S3shipError(
        'CREDENTIALS',
        `Web identity (${o.source.label}): ${explainStsFailure(error, { ...context, verdict })}`,
        { cause: error },
      );
    }
  };
}

export interface AssumeRoleOptions {
  role: AssumeRoleConfig;
  sessionName: string;
  /** The credentials that assume the role (any source, itself renewing). */
  base: AwsCredentialIdentityProvider;
  sts: StsSettings;
  mask: (secret: string) => void;
  onSession: (session: SessionCredentials) => void;
}

export function assumeRoleFetch(o: AssumeRoleOptions): () => Promise<AwsCredentialIdentity> {
  const client = stsClient(o.sts, o.base);
  return async () => {
    try {
      const session = await assumeRole(client, {
        roleArn: o.role.roleArn,
        sessionName: o.role.sessionName ?? o.sessionName,
        externalId: o.role.externalId,
        durationSeconds: o.role.durationSeconds,
      });
      maskSession(session, o.mask);
      o.onSession(session);
      return session.credentials;
    } catch (error) {
      if (!(error instanceof StsFailure)) throw error;
      const context = {
        roleArn: o.role.roleArn,
        endpoint: o.sts.endpoint,
        region: o.sts.region,
        externalId: o.role.externalId !== undefined,
      };
      throw new S3shipError('CREDENTIALS', `assume_role: ${explainStsFailure(error, context)}`, {
        cause: error,
      });
    }
  };
}

function maskSession(session: SessionCredentials, mask: (secret: string) => void): void {
  mask(session.credentials.secretAccessKey);
  if (session.credentials.sessionToken) mask(session.credentials.sessionToken);
}
