/**
 * STS failures as one line: what failed (operation, role, endpoint), the code, the likely cause
 * and the fix. Codes: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors
 * and API_AssumeRole.html#API_AssumeRole_Errors.
 */
import type { TokenVerdict } from './diagnose.js';
import type { StsFailure } from './sts.js';

export interface StsContext {
  roleArn: string;
  /** The STS endpoint, or undefined for AWS's. */
  endpoint: string | undefined;
  region: string;
  /** For web identity refusals: what is wrong with the token. */
  verdict?: TokenVerdict | undefined;
  externalId?: boolean;
}

interface Explanation {
  cause: string;
  fix: string;
}

/** Codes under which STS refuses a web identity token (RGW: a bare 403, seen as AccessDenied). */
export const TOKEN_REFUSALS = new Set([
  'InvalidIdentityToken',
  'ExpiredTokenException',
  'IDPRejectedClaim',
  'AccessDenied',
]);

const NETWORK =
  /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|TimeoutError|EHOSTUNREACH)$/;

function explanation(f: StsFailure, c: StsContext): Explanation {
  const where = c.endpoint ?? `AWS STS in ${c.region}`;
  if (c.verdict && TOKEN_REFUSALS.has(f.code)) return c.verdict;
  if (NETWORK.test(f.code)) {
    return {
      cause: `nothing answers at ${where}`,
      fix: 'set credentials.sts.endpoint to the STS endpoint of your store (S3-compatible stores serve it on their S3 endpoint)',
    };
  }
  switch (f.code) {
    case 'IDPCommunicationError':
      return {
        cause: "STS could not fetch the token issuer's discovery document or keys",
        fix: 'make the issuer URL reachable from STS, or retry (the identity provider may be down)',
      };
    case 'AccessDenied':
      return f.operation === 'AssumeRole'
        ? {
            cause: `these credentials may not assume ${c.roleArn}${c.externalId ? ', or the external id does not match' : ''}`,
            fix: `allow sts:AssumeRole for this principal in the role's trust policy (and the caller's policy)${c.externalId ? ', with the same sts:ExternalId' : ''}`,
          }
        : {
            cause: `the role does not exist or its trust policy does not allow this token`,
            fix: 'check role_arn and the trust policy conditions on the issuer, audience and subject',
          };
    case 'NotFound':
    case 'NoSuchEntity':
      return {
        cause: `role ${c.roleArn} does not exist at ${where}`,
        fix: 'correct the role ARN (account id and role name), or create the role',
      };
    case 'RegionDisabledException':
      return {
        cause: `STS is not activated in ${c.region} for this account`,
        fix: 'activate it in IAM account settings, or set credentials.sts.region to an active region',
      };
    case 'MalformedPolicyDocument':
    case 'PackedPolicyTooLarge':
      return { cause: 'the session policy was refused', fix: 'report this as an s3ship bug' };
    case 'NotImplemented':
      return {
        cause: `${where} does not implement ${f.operation}`,
        fix: 'use a store with STS (Ceph RGW needs `rgw sts key` and `rgw s3 auth use sts`), or static keys',
      };
    case 'InvalidParameterValue':
    case 'ValidationError':
      return {
        cause: `a parameter was refused${f.message ? ` (${f.message})` : ''}: usually duration_seconds outside 900 s to the role's maximum session, or a malformed role ARN`,
        fix: 'set duration_seconds between 900 and the role\'s "maximum session duration", and role_arn to arn:aws:iam::<account>:role/<name>',
      };
    default:
      return {
        cause: f.message || 'STS gave no message',
        fix: 'check the role ARN, the STS endpoint and region (credentials.sts)',
      };
  }
}

/** `AssumeRoleWithWebIdentity for role R at E failed: Code (HTTP s) — cause; fix: fix.` */
export function explainStsFailure(f: StsFailure, c: StsContext): string {
  const x = explanation(f, c);
  const status = f.status ? ` (HTTP ${f.status})` : '';
  return `${f.operation} for role ${c.roleArn} at ${c.endpoint ?? `AWS STS (${c.region})`} failed: ${f.code}${status} — ${x.cause}; fix: ${x.fix}.`;
}
