/**
 * Retries around the executor: Retry-After, as a store may send it with 503 SlowDown
 * (delay-seconds or an HTTP-date; the wait is at least what was asked, capped by the policy's
 * maximum, or the jittered backoff when that is longer), and the listing, retried mid-way.
 */
import { describe, expect, test } from '@jest/globals';
import { backoffMs, DEFAULT_RETRY, retryingReads } from '../../src/retry.js';
import { classifyError, retryAfterSeconds } from '../../src/store/s3-errors.js';
import { StoreError } from '../../src/store/store.js';
import { noWait } from '../support/fixtures.js';
import { failOn, MemoryStore } from '../support/memory-store.js';

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

describe('the listing, retried', () => {
  /** 2,500 objects in pages of 1,000; the listing fails after its first page `failures` times. */
  function flakyStore(failures: number) {
    const store = new MemoryStore();
    for (let i = 0; i < 2500; i++)
      store.objects.set(`k${String(i).padStart(4, '0')}`, {
        body: Buffer.from('x'),
        etag: 'e',
        metadata: {},
      });
    let calls = 0;
    let left = failures;
    store.failures.push((operation) => {
      if (operation !== 'ListObjectsV2') return undefined;
      calls++;
      if (calls % 2 === 0 && left > 0) {
        left--;
        return new StoreError('SlowDown', '', {
          status: 503,
          retryable: true,
          fatal: false,
          operation,
        });
      }
      return undefined;
    });
    return store;
  }

  test('a failure mid-listing resumes after the last key handed on; every object is handed on exactly once', async () => {
    const store = flakyStore(2);
    const retries: number[] = [];
    const reads = retryingReads(store, noWait, {
      onRetry: (_o, _k, _e, attempt) => retries.push(attempt),
    });
    const keys: string[] = [];
    for await (const page of reads.list('')) keys.push(...page.map((o) => o.key));
    expect(keys).toHaveLength(2500);
    expect(new Set(keys).size).toBe(2500);
    expect(retries).toEqual([1, 1]); // a page came through between the failures: count afresh
  });

  test('a store that ignores start-after: the listing starts again, every object is still handed on', async () => {
    const store = flakyStore(1);
    store.ignoresStartAfter = true;
    const reads = retryingReads(store, noWait);
    const keys: string[] = [];
    for await (const page of reads.list('')) keys.push(...page.map((o) => o.key));
    expect(new Set(keys).size).toBe(2500);
    expect(keys.length).toBeGreaterThan(2500); // the first page again: gather and the plan cope
  });

  test("gives up after the policy's attempts, with the store error", async () => {
    const store = new MemoryStore();
    store.objects.set('a', { body: Buffer.from('x'), etag: 'e', metadata: {} });
    store.failures.push(failOn('ListObjectsV2', () => true, 'SlowDown', { retryable: true }));
    const reads = retryingReads(store, noWait);
    const list = async () => {
      for await (const page of reads.list('')) void page;
    };
    await expect(list()).rejects.toMatchObject({ code: 'SlowDown' });
    expect(store.count('ListObjectsV2')).toBe(noWait.attempts);
  });
});
