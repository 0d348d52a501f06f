/**
 * Adaptive concurrency (src/adaptive.ts): the AIMD rule on its own, then inside the executor
 * against an in-memory store that throttles whenever too many requests are in flight — the way
 * S3 answers 503 SlowDown to a client that pushes past a prefix's request rate.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { AimdLimit, isThrottle } from '../../src/adaptive.js';
import { run } from '../../src/deploy.js';
import type { DeployEvent } from '../../src/events.js';
import { StoreError } from '../../src/store/store.js';
import { noWait, tempTree, testConfig } from '../support/fixtures.js';
import { MemoryStore, siteKeys } from '../support/memory-store.js';
import { recordCase } from '../support/reliability.js';

const slowDown = (status = 503, code = 'SlowDown') =>
  new StoreError(code, '', { status, retryable: true, fatal: false, operation: 'PutObject' });

describe('AimdLimit', () => {
  test('halves on throttling, at most once per round, never below 1', () => {
    const limit = new AimdLimit({ max: 16 });
    const early = [1, 2, 3, 4].map(() => limit.started());
    limit.throttled(early[0]!);
    expect(limit.limit).toBe(8);
    // the other requests of the same round were already in flight: the same congestion
    for (const t of early.slice(1)) limit.throttled(t);
    expect(limit.limit).toBe(8);
    for (let i = 0; i < 10; i++) limit.throttled(limit.started());
    expect(limit.limit).toBe(1);
    expect(limit.lowest).toBe(1);
  });

  test('grows back by about one per window of successes, never above max', () => {
    const limit = new AimdLimit({ max: 8 });
    limit.throttled(limit.started());
    limit.throttled(limit.started());
    expect(limit.limit).toBe(2);
    // from w to w + 1 takes about w successes (window += 1/window): additive increase
    const successesTo = (target: number) => {
      let n = 0;
      while (limit.limit < target) {
        limit.succeeded(limit.started());
        n++;
      }
      return n;
    };
    for (const w of [2, 3, 4, 5]) {
      const n = successesTo(w + 1);
      expect(n).toBeGreaterThanOrEqual(w - 1);
      expect(n).toBeLessThanOrEqual(w + 1);
    }
    for (let i = 0; i < 1000; i++) limit.succeeded(limit.started());
    expect(limit.limit).toBe(8);
  });

  test('property: the limit stays within 1..max whatever happens', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.boolean(), { maxLength: 300 }),
        (max, outcomes) => {
          const limit = new AimdLimit({ max });
          for (const ok of outcomes) {
            const ticket = limit.started();
            if (ok) limit.succeeded(ticket);
            else limit.throttled(ticket);
            if (limit.limit < 1 || limit.limit > max) return false;
          }
          return true;
        },
      ),
    );
  });

  test('throttling means 503, 429 and the throttling codes; not 500 or network errors', () => {
    expect(isThrottle(slowDown())).toBe(true);
    expect(isThrottle(slowDown(429, 'TooManyRequests'))).toBe(true);
    expect(isThrottle(slowDown(400, 'Throttling'))).toBe(true);
    expect(isThrottle(slowDown(500, 'InternalError'))).toBe(false);
    expect(
      isThrottle(
        new StoreError('ECONNRESET', '', { retryable: true, fatal: false, operation: 'x' }),
      ),
    ).toBe(false);
    expect(isThrottle(new Error('SlowDown'))).toBe(false);
  });

  test('refuses a bad max or factor', () => {
    expect(() => new AimdLimit({ max: 0 })).toThrow(/max must be a positive integer, got 0/);
    expect(() => new AimdLimit({ max: 4, decrease: 1 })).toThrow(
      /decrease must be between 0 and 1/,
    );
  });
});

/** A store that answers SlowDown to any request arriving while more than `capacity` are in flight. */
function throttlingStore(
  capacity: number,
): MemoryStore & { throttled: number; refused: Map<string, number> } {
  const store = Object.assign(new MemoryStore(), {
    throttled: 0,
    refused: new Map<string, number>(),
  });
  store.latencyMs = 4;
  store.failures.push((operation, key) => {
    if (operation !== 'PutObject' || store.inFlight <= capacity) return undefined;
    store.throttled++;
    store.refused.set(key, (store.refused.get(key) ?? 0) + 1);
    return slowDown();
  });
  return store;
}

function files(n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) out[`assets/f${i}.js`] = `export const n = ${i};`;
  return out;
}

/**
 * A first deploy of `count` files into `store` with real (tiny) waits between retries, so that
 * throttled requests do not all come back at once.
 */
async function deployWithWaits(
  store: MemoryStore,
  count: number,
  concurrency: number,
  waits: { attempts: number; baseMs: number; maxMs: number },
  emit: (e: DeployEvent) => void = () => undefined,
) {
  return run(
    {
      config: testConfig(await tempTree(files(count)), { concurrency }),
      dryRun: false,
      force: false,
    },
    {
      env: {},
      emit,
      retry: {
        ...noWait,
        ...waits,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        random: Math.random,
      },
      createStore: () => store,
    },
  );
}

describe('adaptive concurrency in the executor', () => {
  test('under throttling, fewer requests go out at once; never more than concurrency; all done', async () => {
    const store = throttlingStore(4);
    const events: DeployEvent[] = [];
    const result = await deployWithWaits(
      store,
      300,
      16,
      { attempts: 8, baseMs: 2, maxMs: 20 },
      (e) => events.push(e),
    );
    expect(result.outcomes?.filter((o) => o.status !== 'done')).toEqual([]);
    expect(siteKeys(store)).toHaveLength(300);
    expect(store.maxInFlight).toBeLessThanOrEqual(16);
    const lowered = events.filter(
      (e) => e.type === 'warning' && /requests in flight lowered to \d+ of 16/.test(e.message),
    );
    expect(lowered.length).toBeGreaterThan(0);
    expect(lowered.length).toBeLessThanOrEqual(4); // a handful of lines, not one per cut
    // Without adaptation every request past the 4th of 16 in flight is refused: at least
    // 300 × 12/16 refusals. Adapting keeps most requests under the store's capacity.
    expect(store.throttled).toBeLessThan(300 / 2);
    recordCase({
      group: 'Faults',
      klass: 'throttling (SlowDown above 4 requests in flight), in-memory store',
      cases: 300,
      unit: 'uploads',
      did: `limit lowered ${lowered.length}× (${lowered.map((e) => (e.type === 'warning' ? /to (\d+)/.exec(e.message)?.[1] : '')).join(' → ')}); ${store.throttled} SlowDown answers for 300 uploads; at most ${store.maxInFlight} in flight; all done`,
      verified: siteKeys(store).length,
      lost: 300 - siteKeys(store).length,
      openUploads: store.uploads.size,
      test: 'adaptive.test.ts › under throttling, fewer requests go out at once',
    });
  });

  test('a refusal while other requests succeed does not use up an attempt: 64 in flight on a store that takes 2', async () => {
    // The first round sends 64 and the store refuses 62; the limit halves round by round down
    // to 1–3, where the store still refuses about one request in three as the limit probes
    // upwards. Counted against 5 attempts, such refusals failed a dozen of the 400 uploads in
    // every run, though the store was busy, not failing.
    const store = throttlingStore(2);
    const result = await deployWithWaits(store, 400, 64, { attempts: 5, baseMs: 1, maxMs: 4 });
    expect(result.outcomes?.filter((o) => o.status !== 'done')).toEqual([]);
    expect(siteKeys(store)).toHaveLength(400);
    expect(store.throttled).toBeGreaterThan(62); // the store did refuse, round after round
  });

  test('a store that refuses everything still ends each request after its attempts', async () => {
    const store = throttlingStore(0);
    const result = await run(
      {
        config: testConfig(await tempTree(files(3)), { concurrency: 4 }),
        dryRun: false,
        force: false,
      },
      {
        env: {},
        emit: () => undefined,
        retry: { ...noWait, attempts: 5 },
        createStore: () => store,
      },
    );
    const failed = result.outcomes?.filter((o) => o.status === 'failed') ?? [];
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.message).toMatch(/SlowDown .*still was after every retry/);
    // no success, so every refusal counts: at most 5 tries per PUT (each file's, the state's)
    expect([...store.refused.keys()].filter((k) => k.endsWith('.js')).sort()).toEqual(
      Object.keys(files(3)).sort(),
    );
    for (const [key, tries] of store.refused) expect([key, tries]).toEqual([key, 5]);
    expect(store.objects.size).toBe(0);
  });

  test('without throttling the limit stays at concurrency', async () => {
    const store = new MemoryStore();
    store.latencyMs = 3;
    const events: DeployEvent[] = [];
    await run(
      {
        config: testConfig(await tempTree(files(80)), { concurrency: 8 }),
        dryRun: false,
        force: false,
      },
      { env: {}, emit: (e) => events.push(e), retry: noWait, createStore: () => store },
    );
    expect(store.maxInFlight).toBe(8);
    expect(events.some((e) => e.type === 'warning')).toBe(false);
  });
});
