/**
 * Every store error a user can hit, as one line: what failed, the likely cause, the fix.
 * The Ceph gateway (and other S3-compatible stores) send empty messages, so the text is ours.
 * Error codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
import { StoreError, type StoreTarget } from './store/store.js';

interface Explanation {
  cause: string;
  fix: string;
}

type Explainer = (e: StoreError, t: StoreTarget) => Explanation;

const arnBucket = (t: StoreTarget) => `arn:aws:s3:::${t.bucket}`;
const arnObjects = (t: StoreTarget) => `arn:aws:s3:::${t.bucket}/${t.prefix}*`;

/** The IAM action and resource each operation needs (for AccessDenied). */
function permissionFor(operation: string, t: StoreTarget): string {
  switch (operation) {
    case 'ListObjectsV2':
      return `s3:ListBucket on ${arnBucket(t)}`;
    case 'DeleteObjects':
      return `s3:DeleteObject on ${arnObjects(t)}`;
    case 'HeadObject':
      return `s3:GetObject on ${arnObjects(t)}`;
    case 'AbortMultipartUpload':
      return `s3:AbortMultipartUpload on ${arnObjects(t)}`;
    default:
      return `s3:PutObject on ${arnObjects(t)}`;
  }
}

const credentials =
  (what: string): Explainer =>
  () => ({
    cause: what,
    fix: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the profile or role in use) for this endpoint',
  });

const TABLE: Record<string, Explainer> = {
  SignatureDoesNotMatch: () => ({
    cause:
      'the request signature does not match: the secret access key is wrong or mangled (a trailing newline or space in the CI secret), or a proxy altered the request',
    fix: 'set AWS_SECRET_ACCESS_KEY to the exact secret of this access key',
  }),
  InvalidAccessKeyId: credentials(
    'the store does not know this access key id (wrong key, deleted key, or keys of another account or endpoint)',
  ),
  CredentialsProviderError: () => ({
    cause:
      'no credentials were found (no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, web identity or instance role)',
    fix: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE',
  }),
  InvalidClientTokenId: credentials('the store does not know this access key id'),
  ExpiredToken: () => ({
    cause: 'the session token has expired',
    fix: 'get fresh temporary credentials (re-run the step that assumes the role, or use a longer session duration)',
  }),
  TokenRefreshRequired: () => ({
    cause: 'the session token has expired',
    fix: 'get fresh temporary credentials',
  }),
  InvalidToken: () => ({
    cause: 'the session token is malformed or does not belong to these keys',
    fix: 'pass AWS_SESSION_TOKEN together with the keys it was issued with, unmodified',
  }),
  AccessDenied: (e, t) => ({
    cause: `the credentials lack ${permissionFor(e.details.operation, t)}`,
    fix: 'add that action to the IAM or bucket policy (s3ship needs s3:ListBucket on the bucket and s3:PutObject, plus s3:DeleteObject when deleting, on the prefix)',
  }),
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
  InvalidRequest: () => ({
    cause:
      'the store refused the request form; if it said "Please use AWS4-HMAC-SHA256", a client signed with the old SigV2 (s3ship always signs with SigV4)',
    fix: 'use SigV4 for every client of this bucket (presigned URLs and POST forms included) and set the region',
  }),
  AccessControlListNotSupported: (_e, t) => ({
    cause: `bucket ${t.bucket} has ACLs disabled (Object Ownership: bucket owner enforced), so any ACL is refused`,
    fix: 'remove "acl" from the spec\'s rules (grant access with a bucket policy), or enable ACLs on the bucket',
  }),
  RequestTimeTooSkewed: () => ({
    cause: "this machine's clock differs from the store's by more than 15 minutes",
    fix: 'synchronise the clock (NTP) on the CI runner or container host',
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
    cause: 'the payload hash does not match: a proxy altered the body',
    fix: 'bypass the proxy or disable its body rewriting',
  }),
  MissingContentLength: () => ({
    cause:
      'the store refused a streamed body (aws-chunked checksums, which many S3-compatible stores do not support)',
    fix: 'report this as an s3ship bug (s3ship sends fixed-length bodies with Content-MD5)',
  }),
  NotImplemented: () => ({
    cause:
      'the store does not implement a header s3ship sent (often the default CRC checksum headers of recent AWS SDKs, or a storage class or encryption setting)',
    fix: 'remove storage_class / server_side_encryption from the rules for this store',
  }),
  InvalidArgument: (e) => ({
    cause: `the store refused a value in the ${e.details.operation} request — usually a rule's storage_class, server_side_encryption, acl or metadata that this store does not support`,
    fix: 'check the rules that match this key (s3ship plan lists them) and remove or change the setting',
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
  ECONNREFUSED: (_e, t) => ({
    cause: `nothing accepts connections at ${t.endpoint ?? 'the S3 endpoint'}`,
    fix: 'check the endpoint URL and port, and that the store is running',
  }),
  ENOTFOUND: (_e, t) => ({
    cause: `the endpoint host ${t.endpoint ?? ''} does not resolve (DNS)`,
    fix: "check the endpoint host name and the runner's DNS; for local stores use path_style: true",
  }),
  EAI_AGAIN: (_e, t) => ({
    cause: `DNS lookup for ${t.endpoint ?? 'the endpoint'} failed temporarily`,
    fix: "check the runner's DNS or retry",
  }),
  ECONNRESET: () => ({
    cause: 'the connection was reset on every attempt',
    fix: "check proxies and the store's health, or lower --concurrency",
  }),
  ETIMEDOUT: () => ({
    cause: 'the store did not answer in time on every attempt',
    fix: 'check the network path to the endpoint, or lower --concurrency',
  }),
  TimeoutError: () => ({
    cause: 'the store did not answer in time on every attempt',
    fix: 'check the network path to the endpoint, or lower --concurrency',
  }),
  CERT: (e) => ({
    cause: `the endpoint's TLS certificate was refused (${e.message})`,
    fix: 'use a certificate the runner trusts (NODE_EXTRA_CA_CERTS=<ca.pem>) or the right https host name',
  }),
};

function wrongRegion(e: StoreError, t: StoreTarget): Explanation {
  const real = e.message.match(/region[^a-z0-9-]*([a-z]{2}(?:-[a-z]+)+-\d)/i)?.[1];
  return {
    cause: `bucket ${t.bucket} is in ${real ? `region ${real}` : 'another region'}, not ${t.region ?? 'the one configured'}`,
    fix: `set target.region${real ? ` to ${real}` : ''} (or --region)`,
  };
}

function explainerFor(e: StoreError): Explainer | undefined {
  if (TABLE[e.code]) return TABLE[e.code];
  if (e.code.startsWith('KMS')) return TABLE.KMS;
  if (/CERT|SSL|TLS|SELF_SIGNED/i.test(e.code)) return TABLE.CERT;
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

/** `PutObject of a/b.js to s3://site/a/b.js failed: AccessDenied — the credentials lack …; fix: …` */
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
