/**
 * Explicit retries: bounded attempts, exponential backoff with full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), only for errors
 * the store marks retryable, honouring Retry-After. The clock is injected so tests take no time.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { StoreError } from './store/store.js';

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
 */
export async function withRetry<T>(
  op: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: {
    signal?: AbortSignal;
    onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
  } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await op(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error) || options.signal?.aborted) throw error;
      const wait = backoffMs(policy, attempt, error);
      options.onRetry?.(error, attempt, wait);
      await policy.sleep(wait, options.signal);
    }
  }
}
