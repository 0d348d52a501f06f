/**
 * The three STS calls s3ship makes: AssumeRoleWithWebIdentity (OIDC), AssumeRole (role
 * chaining, `credentials.assume_role`) and GetCallerIdentity (to log who we are). Failures are
 * classified into an StsFailure with the STS error code; S3-compatible stores (Ceph RGW) answer
 * STS errors in the S3 shape the SDK cannot parse, so the HTTP status stands in for the code.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 */
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { S3shipError } from '../errors.js';

export interface StsSettings {
  /** Undefined: AWS's regional STS endpoint. */
  endpoint: string | undefined;
  region: string;
}

/** Credentials from STS, and the principal they act as. */
export interface SessionCredentials {
  credentials: AwsCredentialIdentity & { expiration: Date };
  /** e.g. arn:aws:sts::123456789012:assumed-role/deploy/s3ship-42 */
  assumedRoleArn: string | undefined;
}

/** A failed STS call: the STS code (or a stand-in from the HTTP status), never a secret. */
export class StsFailure extends Error {
  override readonly name = 'StsFailure';
  constructor(
    readonly operation: string,
    readonly code: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function stsClient(
  settings: StsSettings,
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider,
): STSClient {
  return new STSClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    // AssumeRoleWithWebIdentity is unsigned: the token is the credential. The SDK never asks
    // for credentials then, but it must not find the environment's by itself either.
    credentials:
      credentials ??
      (() => Promise.reject(new Error('this STS call is unsigned; no credentials are used'))),
    maxAttempts: 3,
  });
}

const STATUS_CODES: Record<number, string> = {
  400: 'InvalidParameterValue',
  403: 'AccessDenied',
  404: 'NotFound',
  405: 'NotImplemented',
  501: 'NotImplemented',
};

/** The STS error code of whatever the SDK threw (network codes such as ECONNREFUSED kept). */
export function toStsFailure(operation: string, error: unknown): StsFailure {
  const e = (error ?? {}) as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    cause?: { code?: string };
  };
  const status = e.$metadata?.httpStatusCode;
  const named = e.Code ?? (e.name && !/^(Unknown|UnknownError|Error)$/.test(e.name) ? e.name : '');
  // The SDK wraps what is not an Error of this realm ("AWS SDK error wrapper for Error: connect
  // ECONNREFUSED …"), dropping the code: read it back from the text then.
  const network =
    e.cause?.code ?? e.code ?? /\b(E[A-Z]{4,}|TimeoutError)\b/.exec(e.message ?? '')?.[1];
  const code =
    named || (status !== undefined ? STATUS_CODES[status] : undefined) || network || 'UnknownError';
  const message = e.message && !/^(Unknown|UnknownError)$/.test(e.message) ? e.message : '';
  return new StsFailure(operation, code, status, message, { cause: error });
}

const passThrough = (error: unknown): Error | undefined =>
  error instanceof StsFailure || error instanceof S3shipError ? error : undefined;

function session(
  c: Credentials | undefined,
  assumedRoleArn: string | undefined,
): SessionCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration) {
    throw new StsFailure(
      'STS',
      'IncompleteResponse',
      undefined,
      'STS answered without credentials',
    );
  }
  return {
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      expiration: c.Expiration,
    },
    assumedRoleArn,
  };
}

export interface WebIdentityParams {
  roleArn: string;
  token: string;
  sessionName: string;
  durationSeconds: number | undefined;
}

export async function assumeRoleWithWebIdentity(
  client: STSClient,
  p: WebIdentityParams,
): Promise<SessionCredentials> {
  try {
    const out = await client.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: p.roleArn,
        RoleSessionName: p.sessionName,
        WebIdentityToken: p.token,
        ...(p.durationSeconds !== undefined ? { DurationSeconds: p.durationSeconds } : {}),
      }),
    );
    return session(out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (error) {
    throw passThrough(error) ?? toStsFailure('AssumeRoleWithWebIdentity', error);
  }
}

export interface AssumeRoleParams {
  roleArn: string;
  sessionName: string;
  externalId: string | undefined;
  durationSeconds: number | undefined;
}

export async function assumeRole(
  client: STSClient,
  p: AssumeRoleParams,
): Promise<SessionCredentials> {
  try {
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: p.roleArn,
        RoleSessionName: p.sessionName,
        ...(p.externalId !== undefined ? { ExternalId: p.externalId } : {}),
        ...(p.durationSeconds !== undefined ? { DurationSeconds: p.durationSeconds } : {}),
      }),
    );
    return session(out.Credentials, out.AssumedRoleUser?.Arn);
  } catch (error) {
    // The base credentials' own failure (already explained) comes through the signer.
    throw passThrough(error) ?? toStsFailure('AssumeRole', error);
  }
}
