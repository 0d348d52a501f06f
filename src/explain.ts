/**
 * Every store error a user can hit, as one line: what failed, the likely cause, the fix.
 * The Ceph gateway (and other S3-compatible stores) send empty messages, so the text is ours.
 * Error codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
import { StoreError, type StoreTarget } from './store/store.js';
import { NETWORK_TABLE } from './explain-network.js';

export interface Explanation {
  cause: string;
  fix: string;
}

export type Explainer = (e: StoreError, t: StoreTarget) => Explanation;

export const arnBucket = (t: Pick<StoreTarget, 'bucket'>) => `arn:aws:s3:::${t.bucket}`;
export const arnObjects = (t: Pick<StoreTarget, 'bucket' | 'prefix'>) =>
  `arn:aws:s3:::${t.bucket}/${t.prefix}*`;

export interface Permission {
  action: string;
  resource: string;
}

/** The IAM action an S3 operation needs, and the resource it applies to (for AccessDenied). */
export function permissionFor(operation: string, t: StoreTarget): Permission {
  const on = (action: string, resource: string) => ({ action, resource });
  switch (operation) {
    case 'ListObjectsV2':
    case 'HeadBucket':
      return on('s3:ListBucket', arnBucket(t));
    case 'GetBucketLocation':
      return on('s3:GetBucketLocation', arnBucket(t));
    case 'ListBuckets':
      return on('s3:ListAllMyBuckets', '*');
    case 'DeleteObjects':
    case 'DeleteObject':
      return on('s3:DeleteObject', arnObjects(t));
    case 'HeadObject':
    case 'GetObject':
      return on('s3:GetObject', arnObjects(t));
    case 'PutObjectAcl':
      return on('s3:PutObjectAcl', arnObjects(t));
    case 'AbortMultipartUpload':
      return on('s3:AbortMultipartUpload', arnObjects(t));
    default:
      // PutObject and the multipart calls (create, upload part, complete) all need s3:PutObject.
      return on('s3:PutObject', arnObjects(t));
  }
}

const credentials =
  (what: (t: StoreTarget) => string): Explainer =>
  (_e, t) => ({
    cause: what(t),
    fix: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the profile or role in use) for this endpoint',
  });

const store = (t: StoreTarget) => (t.endpoint ? `the store at ${t.endpoint}` : 'S3');

/** 2025 AWS SDKs send CRC checksums (often as aws-chunked trailers) that many stores refuse. */
const CHECKSUM: Explanation = {
  cause:
    'the store does not support the checksum headers or aws-chunked trailers that AWS SDKs send by default since 2025 (x-amz-checksum-*, x-amz-sdk-checksum-algorithm)',
  fix: 'for other SDK clients of this store set AWS_REQUEST_CHECKSUM_CALCULATION=when_required and AWS_RESPONSE_CHECKSUM_VALIDATION=when_required (s3ship sends Content-MD5 only; if s3ship hit this, report it)',
};

const SIGV2: Explanation = {
  cause:
    'the request was signed with the old Signature Version 2, which this region or store refuses ("Please use AWS4-HMAC-SHA256")',
  fix: 'sign every client of this bucket with SigV4 — presigned URLs and browser POST forms included (s3ship always does: "s3ship presign") — and set the region',
};

const TABLE: Record<string, Explainer> = {
  SignatureDoesNotMatch: () => ({
    cause:
      'the request signature does not match: the secret access key is wrong or mangled (a trailing newline or space in the CI secret), or a proxy altered the request',
    fix: 'set AWS_SECRET_ACCESS_KEY to the exact secret of this access key',
  }),
  InvalidAccessKeyId: credentials(
    (t) =>
      `${store(t)} does not know this access key id (wrong key, deleted key, or keys of another account or endpoint)`,
  ),
  InvalidClientTokenId: credentials((t) => `${store(t)} does not know this access key id`),
  CredentialsProviderError: () => ({
    cause:
      'no credentials were found (no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, web identity or instance role)',
    fix: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE',
  }),
  ExpiredToken: () => ({
    cause: 'the session token (AWS_SESSION_TOKEN) has expired',
    fix: 'get fresh temporary credentials (re-run the step that assumes the role, or ask for a longer session duration)',
  }),
  TokenRefreshRequired: () => ({
    cause: 'the session token has expired',
    fix: 'get fresh temporary credentials',
  }),
  InvalidToken: () => ({
    cause: 'the session token is malformed or does not belong to these keys',
    fix: 'pass AWS_SESSION_TOKEN together with the keys it was issued with, unmodified',
  }),
  AccessDenied: (e, t) => accessDenied(e, t),
  AllAccessDisabled: (_e, t) => ({
    cause: `all access to bucket ${t.bucket} is disabled`,
    fix: 'contact the bucket owner',
  }),
  NoSuchBucket: (_e, t) => ({
    cause: `bucket "${t.bucket}" does not exist${t.endpoint ? ` at ${t.endpoint}` : ''}`,
    fix: 'create it, or correct target.bucket / --bucket (and --endpoint for S3-compatible stores)',
  }),
  PermanentRedirect: (e, t) => wrongRegion(e, t),
  AuthorizationHeaderMalformed: (e, t) => wrongRegion(e, t),
  IllegalLocationConstraintException: (e, t) => wrongRegion(e, t),
  InvalidRequest: (e) => {
    if (/checksum|chunked|trailer/i.test(e.message)) return CHECKSUM;
    if (/AWS4-HMAC-SHA256/.test(e.message)) return SIGV2;
    return {
      cause: `the store refused the request form${e.message ? ` ("${e.message}")` : ''}: most often a request signed with the old SigV2 ("Please use AWS4-HMAC-SHA256") or a header this store does not support`,
      fix: 'sign every client of this bucket with SigV4 (s3ship always does) and set the region; remove unsupported settings from the rules',
    };
  },
  AccessControlListNotSupported: (_e, t) => ({
    cause: `bucket ${t.bucket} has ACLs disabled (Object Ownership: bucket owner enforced), so any ACL or grant is refused`,
    fix: 'remove acl / grant_* from the spec\'s rules (make objects public with a bucket policy instead), or set the bucket\'s Object Ownership to "bucket owner preferred" to enable ACLs',
  }),
  RequestTimeTooSkewed: (e) => ({
    cause:
      e.details.skewMs === undefined
        ? "this machine's clock differs from the store's by more than 15 minutes"
        : `this machine's clock is ${formatSkew(e.details.skewMs)} ${e.details.skewMs > 0 ? 'behind' : 'ahead of'} the store's (measured from its Date header); signatures are accepted for 15 minutes either way`,
    fix: 'synchronise the clock (NTP: chrony or systemd-timesyncd) on the CI runner or container host',
  }),
  SlowDown: () => ({
    cause: 'the store is throttling requests and still was after every retry',
    fix: 'lower concurrency (--concurrency) or retry later',
  }),
  ServiceUnavailable: () => ({
    cause: 'the store is unavailable or throttling',
    fix: 'lower --concurrency or retry later',
  }),
  InternalError: () => ({
    cause: 'the store failed internally on every attempt',
    fix: "retry later; if it persists, check the store's health",
  }),
  BadDigest: () => ({
    cause:
      'the bytes the store received do not match their Content-MD5: they were damaged in transit',
    fix: 'retry; if it repeats, check proxies between you and the store',
  }),
  InvalidDigest: () => ({
    cause: 'the store rejected the Content-MD5 header',
    fix: 'report this as an s3ship bug',
  }),
  XAmzContentSHA256Mismatch: () => ({
    cause:
      'the payload hash does not match: a proxy altered the body, or the store does not understand the streamed (aws-chunked) body the client sent',
    fix: `bypass the proxy or disable its body rewriting; for other SDK clients see: ${CHECKSUM.fix}`,
  }),
  MissingContentLength: () => CHECKSUM,
  NotImplemented: () => ({
    cause:
      'the store does not implement a header that was sent: the default CRC checksum headers of 2025 AWS SDKs, a storage class or an encryption setting',
    fix: 'remove storage_class / server_side_encryption from the rules for this store; for other SDK clients set AWS_REQUEST_CHECKSUM_CALCULATION=when_required',
  }),
  InvalidArgument: (e) =>
    /checksum/i.test(e.message)
      ? CHECKSUM
      : {
          cause: `the store refused a value in the ${e.details.operation} request — usually a rule's storage_class, server_side_encryption, acl, grant or metadata that this store does not support`,
          fix: 'check the rules that match this key (s3ship plan lists them) and remove or change the setting',
        },
  PreconditionFailed: (e) => ({
    cause: `the object changed after this deploy compared it (another writer, or a concurrent deploy), so ${e.details.operation} was refused rather than put the new settings on bytes that were not compared`,
    fix: 'run the deploy again: it compares the object as it is now',
  }),
  InvalidStorageClass: () => ({
    cause: 'the store does not offer the storage class a rule asks for',
    fix: 'change or remove storage_class in the rules',
  }),
  EntityTooLarge: () => ({
    cause: 'the object is larger than the store accepts in one request',
    fix: 'lower multipart.threshold',
  }),
  KMS: () => ({
    cause: 'the KMS key is not usable by these credentials',
    fix: 'grant kms:GenerateDataKey and kms:Decrypt on the key, or fix sse_kms_key_id',
  }),
  ...NETWORK_TABLE,
};

function accessDenied(e: StoreError, t: StoreTarget): Explanation {
  const { action, resource } = permissionFor(e.details.operation, t);
  const who = t.principal ? `the credentials (${t.principal})` : 'the credentials';
  if (e.details.acl && action === 's3:PutObject') {
    return {
      cause: `the store refused the object with its ACL (${e.details.acl}): ${who} lack s3:PutObject or s3:PutObjectAcl on ${resource}, the bucket's Block Public Access setting BlockPublicAcls refuses ACLs, or a bucket policy denies this ACL (a condition on s3:x-amz-acl)`,
      fix: 'add s3:PutObjectAcl to the policy, turn off BlockPublicAcls or the policy\'s Deny on the bucket, or drop acl / grant_* from the rule and make objects public with a bucket policy ("s3ship doctor" tells which)',
    };
  }
  // Ceph RGW with STS enabled (`rgw s3 auth use sts`) answers a bad signature or an unknown key
  // with AccessDenied instead of SignatureDoesNotMatch / InvalidAccessKeyId, so on an
  // S3-compatible endpoint wrong keys look like a missing permission. The first request of a
  // run is the listing: say both there.
  // (Not for a role's session: STS made its keys, they cannot be mistyped.)
  if (t.endpoint && e.details.operation === 'ListObjectsV2' && !t.principal?.startsWith('role ')) {
    return {
      cause: `the credentials lack ${action} on ${resource}, or the secret access key is wrong or the access key id unknown (Ceph RGW with STS enabled reports bad signatures and unknown keys as AccessDenied)`,
      fix: `check AWS_SECRET_ACCESS_KEY and AWS_ACCESS_KEY_ID for this endpoint, then allow "${action}" on "${resource}" ("s3ship doctor" tells which)`,
    };
  }
  if (t.endpoint && e.details.operation === 'DeleteObjects' && e.details.status === 403) {
    // The whole request was refused (not key by key): Ceph RGW checks the bucket ARN first.
    return {
      cause: `${who} lack ${action} on ${resource} — or, on Ceph RGW, on ${arnBucket(t)} itself (it authorises a multi-object delete against the bucket before each key)`,
      fix: `allow "${action}" on "${resource}" and on "${arnBucket(t)}" in the bucket or user policy`,
    };
  }
  return {
    cause: `${who} lack ${action} on ${resource} (not granted, or denied by a bucket policy)`,
    fix: `allow "${action}" on "${resource}" in the IAM or bucket policy ("s3ship doctor" prints the whole policy this spec needs)`,
  };
}

function wrongRegion(e: StoreError, t: StoreTarget): Explanation {
  const real =
    e.details.region ?? e.message.match(/region[^a-z0-9-]*([a-z]{2}(?:-[a-z]+)+-\d)/i)?.[1];
  return {
    cause: `bucket ${t.bucket} is in ${real ? `region ${real}` : 'another region'}, not ${t.region ?? 'the one configured'}`,
    fix: `set target.region${real ? ` to ${real}` : " to the bucket's region"} (or --region)`,
  };
}

/** `75 s`, `12 min`, `3.5 h`: a clock difference, whichever sign. */
export function formatSkew(ms: number): string {
  const s = Math.abs(ms) / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function explainerFor(e: StoreError): Explainer | undefined {
  if (TABLE[e.code]) return TABLE[e.code];
  if (e.code.startsWith('KMS')) return TABLE.KMS;
  if (/CERT|SSL|TLS|SELF_SIGNED|ALTNAME/i.test(e.code)) return TABLE.CERT;
  if (e.details.status === 503) return TABLE.ServiceUnavailable;
  if (e.details.status === 301) return TABLE.PermanentRedirect;
  if (e.details.status === 403) return TABLE.AccessDenied;
  if (e.details.status !== undefined && e.details.status >= 500) return TABLE.InternalError;
  return undefined;
}

/** Returns the cause and fix for an error, or undefined when the code is unknown. */
export function explanationOf(e: StoreError, target: StoreTarget): Explanation | undefined {
  return explainerFor(e)?.(e, target);
}

/** `PutObject of a/b.js in s3://site failed: AccessDenied (HTTP 403) — the credentials lack …; fix: …` */
export function explainStoreError(e: StoreError, target: StoreTarget): string {
  const where =
    e.details.key !== undefined
      ? `${e.details.key} in s3://${target.bucket}`
      : `s3://${target.bucket}/${target.prefix}`;
  const head = `${e.details.operation} of ${where} failed: ${e.code}${e.details.status ? ` (HTTP ${e.details.status})` : ''}`;
  const x = explanationOf(e, target);
  if (!x) return `${head} — ${e.message || 'the store gave no message'}`;
  return `${head} — ${x.cause}; fix: ${x.fix}.`;
}
