/**
 * Classifies what the SDK throws into a StoreError: the S3 code (or the network error code),
 * the HTTP status, whether a retry can help, and whether the whole deploy must stop.
 */
import { StoreError } from './store.js';

/** Throttling, transient server trouble and network hiccups: worth another attempt. */
const RETRYABLE = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
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
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
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
  'CredentialsProviderError',
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
  return classifyError({
    code,
    message,
    status,
    retryAfter: e.$response?.headers?.['retry-after'],
    operation,
    key,
    cause: error,
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
}

/** One classification for both request paths (the SDK's and the lean one). */
export function classifyError(f: ErrorFacts): StoreError {
  const retryAfter = Number(f.retryAfter);
  const { status, code } = f;
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
    },
    { cause: f.cause },
  );
}

/** The error code a status means when the response has no body to say (HEAD, some proxies). */
export function codeForStatus(status: number): string | undefined {
  return STATUS_CODES[status];
}
