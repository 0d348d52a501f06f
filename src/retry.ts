/**
 * Explicit retries: bounded attempts, exponential backoff with full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), only for errors
 * the store marks retryable, honouring Retry-After. The clock is injected so tests take no time.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { StoreError, withReads, type ObjectStore, type RemoteObject } from './store/store.js';

export interface RetryPolicy {
  /** Total attempts, including the first. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseMs: 200,
  maxMs: 10_000,
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
  random: Math.random,
};

export function isRetryable(error: unknown): boolean {
  return error instanceof StoreError && error.details.retryable;
}

/**
 * For cleanup after a failure (aborting a multipart upload): more attempts, and "equal jitter"
 * (each wait at least half its ceiling), so the cleanup outlasts a gateway restart of ~15 s
 * instead of leaving an upload open (and billed) on the store.
 */
export function cleanupPolicy(policy: RetryPolicy): RetryPolicy {
  return { ...policy, attempts: policy.attempts + 4, random: () => 0.5 + policy.random() / 2 };
}

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffMs(policy: RetryPolicy, attempt: number, error: unknown): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  const jittered = Math.floor(policy.random() * ceiling);
  const asked = error instanceof StoreError ? (error.details.retryAfter ?? 0) * 1000 : 0;
  return Math.max(jittered, Math.min(asked, policy.maxMs));
}

/**
 * Runs `op` until it succeeds, fails with a non-retryable error, or runs out of attempts.
 * `onRetry` hears about every retry (for the report and for adaptive concurrency).
 *
 * `forgiven(error)` marks a failure that does not use up an attempt (the executor's: a throttle
 * while the store answers other requests, see execute.ts). It is retried all the same, after a
 * backoff that grows with every try; the caller's rule must be one that cannot hold forever.
 */
export async function withRetry<T>(
  op: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: {
    signal?: AbortSignal;
    onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
    forgiven?: (error: unknown) => boolean;
  } = {},
): Promise<T> {
  for (let attempt = 1, tries = 1; ; tries++) {
    options.signal?.throwIfAborted();
    try {
      return await op(attempt);
    } catch (error) {
      const forgiven = options.forgiven?.(error) === true;
      const spent = !forgiven && attempt >= policy.attempts;
      if (spent || !isRetryable(error) || options.signal?.aborted) throw error;
      const wait = backoffMs(policy, tries, error);
      options.onRetry?.(error, attempt, wait);
      await policy.sleep(wait, options.signal);
      if (!forgiven) attempt++;
    }
  }
}

/**
 * The store as the planning steps see it: the listing and heads retried like every other
 * request (one 503 while listing must not fail a deploy).
 */
export function retryingReads(
  store: ObjectStore,
  policy: RetryPolicy,
  options: {
    signal?: AbortSignal;
    onRetry?: (
      operation: string,
      key: string,
      error: unknown,
      attempt: number,
      wait: number,
    ) => void;
  } = {},
): ObjectStore {
  const hooks = (operation: string, key: string) => ({
    ...(options.signal ? { signal: options.signal } : {}),
    onRetry: (error: unknown, attempt: number, wait: number) =>
      options.onRetry?.(operation, key, error, attempt, wait),
  });
  return withReads(store, {
    list: (prefix: string, signal?: AbortSignal, startAfter?: string) =>
      retryingList(store, prefix, policy, {
        ...(signal ? { signal } : {}),
        ...(startAfter !== undefined ? { startAfter } : {}),
        onRetry: (error, attempt, wait) =>
          options.onRetry?.(
            'ListObjectsV2',
            `s3://${store.target.bucket}/${prefix}`,
            error,
            attempt,
            wait,
          ),
      }),
    head: (key: string, o?: { partNumber?: number; signal?: AbortSignal }) =>
      withRetry(() => store.head(key, o), policy, hooks('HeadObject', key)),
    get: (key: string, signal?: AbortSignal) =>
      withRetry(() => store.get(key, signal), policy, hooks('GetObject', key)),
  });
}

/**
 * Pages of a listing as they arrive, retried: a failed listing resumes after the last key
 * handed on (`start-after`). The attempt count starts afresh once a page has come through, as
 * each page is its own request. No set of the keys seen is kept to weed out repeats (at
 * 200,000 keys it held 12 MB, and every listed key string): a store that ignores
 * `start-after` repeats some, and gather and the plan take a repeated key in stride.
 */
async function* retryingList(
  store: ObjectStore,
  prefix: string,
  policy: RetryPolicy,
  options: {
    signal?: AbortSignal;
    startAfter?: string;
    onRetry: (error: unknown, attempt: number, wait: number) => void;
  },
): AsyncIterable<RemoteObject[]> {
  let last = options.startAfter;
  let attempt = 1;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      for await (const page of store.list(prefix, options.signal, last)) {
        attempt = 1;
        if (page.length > 0) last = page[page.length - 1]!.key;
        yield page;
      }
      return;
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error) || options.signal?.aborted) throw error;
      const wait = backoffMs(policy, attempt, error);
      options.onRetry(error, attempt, wait);
      await policy.sleep(wait, options.signal);
      attempt++;
    }
  }
}
