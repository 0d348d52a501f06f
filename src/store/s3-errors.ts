/**
 * Classifies what the SDK throws into a StoreError: the S3 code (or the network error code),
 * the HTTP status, whether a retry can help, and whether the whole deploy must stop.
 */
import { StoreError } from './store.js';

/** Codes a store sends when it wants fewer requests, not when something is broken. */
export const THROTTLE_CODES: ReadonlySet<string> = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
]);

/** Codes that mean the credentials themselves are wrong or spent (exit code 3). */
export const CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
]);

/** Throttling, transient server trouble and network hiccups: worth another attempt. */
const RETRYABLE = new Set([
  ...THROTTLE_CODES,
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'BadDigest',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'TimeoutError',
  'NetworkingError',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Errors that will fail every other request too: stop instead of failing file after file. */
const FATAL = new Set([
  ...CREDENTIAL_CODES,
  'AccessDenied',
  'AllAccessDisabled',
  'NoSuchBucket',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'RequestTimeTooSkewed',
  'AccessControlListNotSupported',
  'InvalidRequest',
  'ECONNREFUSED',
  'ENOTFOUND',
  'NotImplemented',
  'InvalidStorageClass',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
  cause?: unknown;
  /** Error body fields the SDK copies onto the exception (AuthorizationHeaderMalformed, skew). */
  Region?: string;
  Endpoint?: string;
  ServerTime?: string;
}

/** What the caller knows about the request that the response does not say. */
export interface RequestContext {
  /** The signing clock (Date.now plus an injected offset), to measure skew against. */
  now?: () => number;
  /** The ACL or grants the request carried. */
  acl?: string;
}

const STATUS_CODES: Record<number, string> = {
  301: 'PermanentRedirect',
  400: 'BadRequest',
  403: 'AccessDenied',
  404: 'NotFound',
  503: 'SlowDown',
};

export function toStoreError(
  error: unknown,
  operation: string,
  key: string | undefined,
  context: RequestContext = {},
): StoreError {
  if (error instanceof StoreError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const network =
    (e.cause as { code?: string } | undefined)?.code ??
    (typeof e.code === 'string' ? e.code : undefined);
  let code =
    e.Code ??
    (e.name && e.name !== 'Error' && e.name !== 'UnknownError' ? e.name : undefined) ??
    network;
  // HEAD responses have no body, so the SDK only knows the status ("403", "Forbidden", "UnknownError").
  if (
    (!code || /^\d+$/.test(code) || code === 'Forbidden' || code === 'UnknownError') &&
    status &&
    STATUS_CODES[status]
  ) {
    code = STATUS_CODES[status];
  }
  code ??= 'UnknownError';
  const message = e.message && e.message !== 'UnknownError' && e.message !== code ? e.message : '';
  const headers = e.$response?.headers ?? {};
  const region = headers['x-amz-bucket-region'] ?? e.Region ?? regionOfEndpoint(e.Endpoint);
  const serverDate = e.ServerTime ?? headers.date;
  return classifyError({
    code,
    message,
    status,
    retryAfter: headers['retry-after'],
    operation,
    key,
    cause: error,
    ...(region ? { region } : {}),
    ...(serverDate ? { serverDate } : {}),
    ...context,
  });
}

export interface ErrorFacts {
  code: string;
  message: string;
  status: number | undefined;
  /** The Retry-After header as received. */
  retryAfter: string | undefined;
  operation: string;
  key: string | undefined;
  cause: unknown;
  /** The bucket's region as the store named it (x-amz-bucket-region header, error body). */
  region?: string;
  /** The response's Date header (or the error body's ServerTime). */
  serverDate?: string;
  now?: () => number;
  acl?: string;
}

/** One classification for both request paths (the SDK's and the lean one). */
export function classifyError(f: ErrorFacts): StoreError {
  const retryAfter = retryAfterSeconds(f.retryAfter, (f.now ?? Date.now)());
  const { status, code } = f;
  // Only worth measuring when the store complained: then the message names the skew.
  const serverTime = code === 'RequestTimeTooSkewed' ? Date.parse(f.serverDate ?? '') : NaN;
  return new StoreError(
    code,
    f.message,
    {
      ...(status !== undefined ? { status } : {}),
      retryable: RETRYABLE.has(code) || (status !== undefined && (status >= 500 || status === 429)),
      fatal: FATAL.has(code) || /CERT|SELF_SIGNED|SSL/.test(code),
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter } : {}),
      operation: f.operation,
      ...(f.key !== undefined ? { key: f.key } : {}),
      ...(f.region ? { region: f.region } : {}),
      ...(Number.isFinite(serverTime) ? { skewMs: serverTime - (f.now ?? Date.now)() } : {}),
      ...(f.acl ? { acl: f.acl } : {}),
    },
    { cause: f.cause },
  );
}

/**
 * Seconds a Retry-After header asks for: delay-seconds or an HTTP-date (RFC 9110 §10.2.3);
 * NaN when absent or unreadable.
 */
export function retryAfterSeconds(value: string | undefined, now: number): number {
  if (value === undefined || value.trim() === '') return NaN;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : NaN;
}

/** `bucket.s3.eu-west-1.amazonaws.com` or `s3-eu-west-1.amazonaws.com` → `eu-west-1`. */
export function regionOfEndpoint(endpoint: string | undefined): string | undefined {
  return endpoint?.match(/(?:^|\.)s3[.-]([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com/)?.[1];
}

/** The error code a status means when the response has no body to say (HEAD, some proxies). */
export function codeForStatus(status: number): string | undefined {
  return STATUS_CODES[status];
}
