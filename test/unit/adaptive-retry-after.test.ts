/**
 * Retry-After, as a store may send it with 503 SlowDown: delay-seconds or an HTTP-date. The wait
 * before the next attempt is at least what was asked (capped by the policy's maximum), with the
 * jittered backoff when that is longer.
 */
import { describe, expect, test } from '@jest/globals';
import { backoffMs, DEFAULT_RETRY } from '../../src/retry.js';
import { classifyError, retryAfterSeconds } from '../../src/store/s3-errors.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const slowDown = (retryAfter: string | undefined) =>
  classifyError({
    code: 'SlowDown',
    message: '',
    status: 503,
    retryAfter,
    operation: 'PutObject',
    key: 'a.js',
    cause: undefined,
    now: () => NOW,
  });

describe('Retry-After', () => {
  test('delay-seconds and HTTP-dates are both read', () => {
    expect(retryAfterSeconds('3', NOW)).toBe(3);
    expect(retryAfterSeconds(' 1.5 ', NOW)).toBe(1.5);
    expect(retryAfterSeconds('Mon, 23 Nov 2026 12:00:07 GMT', NOW)).toBe(7);
    expect(retryAfterSeconds('Mon, 23 Nov 2026 11:59:00 GMT', NOW)).toBe(0);
    expect(retryAfterSeconds('soon', NOW)).toBeNaN();
    expect(retryAfterSeconds(undefined, NOW)).toBeNaN();
  });

  test('the wait honours it, within the policy maximum; jitter when nothing is asked', () => {
    const policy = { ...DEFAULT_RETRY, random: () => 0 };
    expect(slowDown('2').details.retryAfter).toBe(2);
    expect(backoffMs(policy, 1, slowDown('2'))).toBe(2000);
    expect(backoffMs(policy, 1, slowDown('Mon, 23 Nov 2026 12:00:04 GMT'))).toBe(4000);
    expect(backoffMs(policy, 1, slowDown('3600'))).toBe(policy.maxMs);
    expect(backoffMs(policy, 1, slowDown(undefined))).toBe(0);
    expect(backoffMs({ ...policy, random: () => 0.99 }, 3, slowDown(undefined))).toBe(792);
  });
});
