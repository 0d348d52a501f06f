/**
 * Temporary credentials that renew themselves before they expire, so a deploy that outlives
 * its session keeps going. The S3 client asks this provider before every request (it is marked
 * `memoized`, so the SDK adds no cache of its own and our clock and window are the only ones):
 * within `windowMs` of the expiry it fetches new credentials, once for all concurrent callers.
 * A failed renewal while the current credentials still have time left is retried on a later
 * request instead of failing this one; only credentials past their expiry are an error.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface RefreshOptions {
  /** Clock (ms since the epoch); tests inject one. */
  now: () => number;
  /** Renew when less than this is left. Default 5 minutes, as the AWS SDKs. */
  windowMs?: number;
  /** After a failed renewal, wait this long before the next try. Default 10 s. */
  retryAfterMs?: number;
  /** Told about every renewal after the first fetch (for the log). */
  onRefresh?: (credentials: AwsCredentialIdentity) => void;
  /** Told about a failed renewal that did not fail the request. */
  onRefreshError?: (error: unknown) => void;
}

export type RefreshingProvider = AwsCredentialIdentityProvider & {
  /** Tells the AWS SDK this provider caches itself (see @aws-sdk/core normalizeCredentialProvider). */
  memoized: true;
  /** How many times credentials were fetched (first fetch included). */
  readonly fetches: number;
};

export const DEFAULT_WINDOW_MS = 5 * 60_000;

/** Wraps `fetch` (which gets fresh credentials every call) into a self-renewing provider. */
export function refreshingProvider(
  fetch: () => Promise<AwsCredentialIdentity>,
  options: RefreshOptions,
): RefreshingProvider {
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const retryAfterMs = options.retryAfterMs ?? 10_000;
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  let nextTryAt = 0;
  let fetches = 0;

  const renew = (): Promise<AwsCredentialIdentity> => {
    pending ??= (async () => {
      try {
        fetches += 1;
        const fresh = await fetch();
        if (current) options.onRefresh?.(fresh);
        current = fresh;
        return fresh;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  const provider = async (): Promise<AwsCredentialIdentity> => {
    if (!current) return renew();
    const expiry = current.expiration?.getTime();
    if (expiry === undefined) return current;
    const now = options.now();
    const left = expiry - now;
    if (left > windowMs || (pending === undefined && now < nextTryAt && left > 0)) return current;
    try {
      return await renew();
    } catch (error) {
      nextTryAt = options.now() + retryAfterMs;
      // Still valid: sign this request with what we have, try again later.
      if (expiry - options.now() > 0) {
        options.onRefreshError?.(error);
        return current;
      }
      throw error;
    }
  };
  return Object.defineProperties(provider, {
    // writable: the SDK sets it again on providers it is given (normalizeCredentialProvider)
    memoized: { value: true, enumerable: true, writable: true },
    fetches: { get: () => fetches, enumerable: true },
  }) as RefreshingProvider;
}
