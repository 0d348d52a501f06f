import { describe, expect, test } from '@jest/globals';
import { backoffMs, withRetry, type RetryPolicy } from '../../src/retry.js';
import { StoreError } from '../../src/store/store.js';

const sleeps: number[] = [];
const policy: RetryPolicy = {
  attempts: 4,
  baseMs: 100,
  maxMs: 1000,
  sleep: async (ms) => void sleeps.push(ms),
  random: () => 0.5,
};
const throttled = (retryAfter?: number) =>
  new StoreError('SlowDown', '', {
    status: 503,
    retryable: true,
    fatal: false,
    operation: 'PutObject',
    ...(retryAfter ? { retryAfter } : {}),
  });

describe('retries', () => {
  test('retryable errors are retried with growing, jittered waits, then succeed', async () => {
    sleeps.length = 0;
    let calls = 0;
    const value = await withRetry(async () => {
      if (++calls < 3) throw throttled();
      return 'ok';
    }, policy);
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([50, 100]); // 0.5 × 100, 0.5 × 200
  });

  test('attempts are bounded', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw throttled();
      }, policy),
    ).rejects.toThrow(StoreError);
    expect(calls).toBe(4);
  });

  test('a forgiven failure does not use up an attempt, but its wait still grows', async () => {
    sleeps.length = 0;
    let calls = 0;
    // every other failure is forgiven: 4 counted attempts take 7 tries
    await expect(
      withRetry(
        async () => {
          calls++;
          throw throttled();
        },
        policy,
        { forgiven: () => calls % 2 === 0 },
      ),
    ).rejects.toThrow(StoreError);
    expect(calls).toBe(7);
    expect(sleeps).toEqual([50, 100, 200, 400, 500, 500]); // by tries, capped at maxMs / 2
  });

  test('non-retryable errors fail at once', async () => {
    let calls = 0;
    const denied = new StoreError('AccessDenied', '', {
      retryable: false,
      fatal: true,
      operation: 'PutObject',
    });
    await expect(
      withRetry(async () => {
        calls++;
        throw denied;
      }, policy),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  test('Retry-After is honoured, capped by maxMs', () => {
    expect(backoffMs(policy, 1, throttled(0.7))).toBe(700);
    expect(backoffMs(policy, 1, throttled(60))).toBe(1000);
  });

  test('full jitter never exceeds the exponential ceiling', () => {
    const p = { ...policy, random: () => 0.999 };
    for (let attempt = 1; attempt < 10; attempt++) {
      expect(backoffMs(p, attempt, throttled())).toBeLessThan(
        Math.min(1000, 100 * 2 ** (attempt - 1)),
      );
    }
  });
});
