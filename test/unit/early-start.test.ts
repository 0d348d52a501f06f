/**
 * A big new asset starts uploading as soon as the listing has passed its key, while the rest of
 * the tree is still being compared. What users rely on is unchanged: the same plan, the same
 * objects, the same reports (its 'uploaded' after the plan, once); entry documents still wait
 * for every asset; and when the compare fails, the early upload is aborted — no object, no
 * open multipart upload left behind.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { run } from '../../src/deploy.js';
import { HeadStart } from '../../src/head-start.js';
import type { PlanItem } from '../../src/plan.js';
import type { DeployEvent, EventSink } from '../../src/events.js';
import { StoreError } from '../../src/store/store.js';
import { noWait, tempTree, testConfig } from '../support/fixtures.js';
import { failOn, filePuts, MemoryStore, siteKeys, writes } from '../support/memory-store.js';

/** 40 small files, already in the store; keys after the big files' keys. */
const small = Object.fromEntries(
  Array.from({ length: 40 }, (_, i) => [`z/f${String(i).padStart(2, '0')}.txt`, `file ${i}`]),
);
/** Bigger than the multipart threshold below: 5 parts. */
const big = Buffer.from(Array.from({ length: 4500 }, (_, i) => (7 + i * 31) & 0xff));
let source: string;

beforeAll(async () => {
  source = await tempTree({ ...small, 'a/big.bin': big, 'b/page.html': big });
});
afterAll(async () => {
  await rm(source, { recursive: true, force: true });
});

/**
 * A bucket holding the small files as a deploy left them (no deploy state), listed 4 keys a
 * page, 2 ms a request.
 */
function bucket(): MemoryStore {
  const store = new MemoryStore();
  for (const [rel, text] of Object.entries(small)) store.seed(rel, text);
  store.pageSize = 4;
  store.latencyMs = 2;
  return store;
}

async function deploy(store: MemoryStore) {
  const events: DeployEvent[] = [];
  const result = await run(
    {
      config: testConfig(source, { multipart: { threshold: 1024, partSize: 1000 } }),
      dryRun: false,
      force: false,
    },
    { env: {}, emit: (e) => events.push(e), retry: noWait, createStore: () => store },
  );
  return { result, events };
}

/** A first deploy of `count` small files (f/<i>.txt) into `store`, 4 requests in flight. */
async function firstDeploy(count: number, store: MemoryStore, emit: EventSink = () => undefined) {
  const tree = await tempTree(
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`f/${i}.txt`, `body ${i}`])),
  );
  store.latencyMs = 1;
  try {
    return await run(
      { config: testConfig(tree, { concurrency: 4 }), dryRun: false, force: false },
      { env: {}, emit, retry: noWait, createStore: () => store },
    );
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

const callIndex = (store: MemoryStore, operation: string, key: string) =>
  store.calls.findIndex((c) => c.operation === operation && c.key === key);
/** The last page of the compare's listing (of the whole prefix, ''; after the plan, the
 * deploy state looks up single keys it wrote with listings of their own: not these). */
const lastListing = (store: MemoryStore) =>
  store.calls.map((c) => `${c.operation} ${c.key}`).lastIndexOf('ListObjectsV2 ');

describe('new assets start before the plan is complete', () => {
  test('its upload begins before the listing ends; plan, objects and reports are as usual', async () => {
    const store = bucket();
    const { result, events } = await deploy(store);
    // 11 pages of listing; the big asset's key sorts before all of them.
    expect(callIndex(store, 'CreateMultipartUpload', 'a/big.bin')).toBeGreaterThan(-1);
    expect(callIndex(store, 'CreateMultipartUpload', 'a/big.bin')).toBeLessThan(lastListing(store));
    // The entry document of the same size waits for the plan (and so for every asset).
    expect(callIndex(store, 'CreateMultipartUpload', 'b/page.html')).toBeGreaterThan(
      lastListing(store),
    );
    expect(result.plan.assets.map((i) => [i.key, i.reason])).toEqual([['a/big.bin', 'new']]);
    expect(result.plan.entries.map((i) => [i.key, i.reason])).toEqual([['b/page.html', 'new']]);
    expect(result.outcomes?.every((o) => o.status === 'done')).toBe(true);
    expect(store.objects.get('a/big.bin')?.body.equals(big)).toBe(true);
    expect(store.objects.get('b/page.html')?.body.equals(big)).toBe(true);
    expect(filePuts(store)).toEqual([]); // the small files are unchanged
    expect(store.count('CopyObject')).toBe(0); // and so are their settings
    expect(store.count('CreateMultipartUpload')).toBe(2);
    const uploaded = events.flatMap((e, i) => (e.type === 'uploaded' ? [[e.key, i]] : []));
    expect(uploaded.map(([key]) => key)).toEqual(['a/big.bin', 'b/page.html']);
    const planAt = events.findIndex((e) => e.type === 'plan');
    expect(uploaded.every(([, i]) => Number(i) > planAt)).toBe(true);
  });

  describe('a big asset whose key the listing reaches last', () => {
    let late: string;
    beforeAll(async () => {
      late = await tempTree({ ...small, 'zz/big.bin': big });
    });
    afterAll(async () => {
      await rm(late, { recursive: true, force: true });
    });
    const deployLate = async (store: MemoryStore) =>
      run(
        {
          config: testConfig(late, { multipart: { threshold: 1024, partSize: 1000 } }),
          dryRun: false,
          force: false,
        },
        { env: {}, emit: () => undefined, retry: noWait, createStore: () => store },
      );

    test('starts once a HEAD finds it absent, not after the whole listing; uploaded once, not stale', async () => {
      const store = bucket();
      // A slow listing that, like S3's, is no snapshot: the early upload is complete before
      // the listing reaches its key, and the listing shows it.
      const list = store.list.bind(store);
      store.list = async function* (...args) {
        for await (const page of list(...args)) {
          await delay(10);
          yield page;
        }
        const made = store.objects.get('zz/big.bin');
        if (made)
          yield [
            {
              key: 'zz/big.bin',
              size: made.body.length,
              etag: made.etag,
              lastModified: made.lastModified ?? 0,
            },
          ];
      };
      const result = await deployLate(store);
      // Looked up, found absent, and begun while the listing (11 pages) was still going; the
      // listing then met the object it made, and took it neither for stale nor for new again.
      expect(callIndex(store, 'HeadObject', 'zz/big.bin')).toBeGreaterThan(-1);
      expect(callIndex(store, 'CreateMultipartUpload', 'zz/big.bin')).toBeLessThan(
        lastListing(store),
      );
      expect(store.count('CreateMultipartUpload')).toBe(1);
      expect(result.plan.assets.map((i) => [i.key, i.reason])).toEqual([['zz/big.bin', 'new']]);
      expect(result.plan.deletes).toEqual([]);
      expect(result.outcomes?.every((o) => o.status === 'done')).toBe(true);
      expect(store.objects.get('zz/big.bin')?.body.equals(big)).toBe(true);
      expect(siteKeys(store)).toHaveLength(41);
      // and the next deploy finds it there, unchanged: not one write
      const before = store.calls.length;
      const again = await deployLate(store);
      expect(writes(store, before)).toEqual([]);
      expect(again.plan.assets).toEqual([]);
    });

    test('a refused HEAD of the new asset (403: no s3:GetObject on it) leaves it to the listing', async () => {
      const store = bucket();
      // Only the early start's HEAD: the settings of the small files are read with HEADs too
      // (no deploy state), and a deploy cannot go on without them.
      store.failures.push(
        failOn('HeadObject', (key) => key === 'zz/big.bin', 'AccessDenied', { fatal: true }),
      );
      const result = await deployLate(store);
      expect(callIndex(store, 'HeadObject', 'zz/big.bin')).toBeGreaterThan(-1);
      expect(callIndex(store, 'CreateMultipartUpload', 'zz/big.bin')).toBeGreaterThan(
        lastListing(store),
      );
      expect(result.fatal).toBeUndefined();
      expect(result.outcomes?.every((o) => o.status === 'done')).toBe(true);
      expect(store.objects.get('zz/big.bin')?.body.equals(big)).toBe(true);
    });
  });

  test('a first deploy starts uploads during the scan, each key once, bounded', async () => {
    const store = new MemoryStore();
    let putsBeforePlan = -1;
    const result = await firstDeploy(600, store, (e) => {
      if (e.type === 'plan') putsBeforePlan = store.count('PutObject');
    });
    // Started while the tree was still being scanned, at most 8 files per request slot.
    expect(putsBeforePlan).toBeGreaterThan(0);
    expect(putsBeforePlan).toBeLessThanOrEqual(8 * 4);
    expect(store.maxInFlight).toBeLessThanOrEqual(4);
    const puts = filePuts(store);
    expect(puts.length).toBe(600);
    expect(new Set(puts).size).toBe(600);
    expect(result.outcomes?.filter((o) => o.status === 'done').length).toBe(600);
    for (let i = 0; i < 600; i++)
      expect(store.objects.get(`f/${i}.txt`)?.body.toString()).toBe(`body ${i}`);
  });

  test('a fatal error on an early upload stops the early starts, and the deploy reports it', async () => {
    const store = new MemoryStore();
    store.failures.push(failOn('PutObject', () => true, 'AccessDenied', { fatal: true }));
    const result = await firstDeploy(300, store);
    expect(result.fatalCode).toBe('ACCESS_DENIED');
    expect(result.fatal).toMatch(/AccessDenied|PutObject/);
    // The files in flight when it failed (early, then the plan's first), not one per file.
    expect(store.count('PutObject')).toBeLessThanOrEqual(2 * 4);
    expect(store.objects.size).toBe(0);
  });

  test('a second deploy uploads nothing', async () => {
    const store = bucket();
    await deploy(store);
    const before = store.calls.length;
    const { result } = await deploy(store);
    // Not one write: no file, no settings, and no deploy state (it learned nothing new).
    expect(writes(store, before)).toEqual([]);
    expect(result.plan.assets.length + result.plan.entries.length).toBe(0);
  });

  test('a plan (dry run) starts nothing', async () => {
    const store = bucket();
    const result = await run(
      {
        config: testConfig(source, { multipart: { threshold: 1024, partSize: 1000 } }),
        dryRun: true,
        force: false,
      },
      { env: {}, emit: () => undefined, retry: noWait, createStore: () => store },
    );
    expect(result.plan.assets.map((i) => i.key)).toEqual(['a/big.bin']);
    // Reads only (the listing, the deploy state, the small files' settings): not one write.
    expect(writes(store)).toEqual([]);
    expect(store.objects.size).toBe(40);
  });

  test('when the listing fails after the upload began, it is aborted: no object, no open upload', async () => {
    const store = bucket();
    // Parts that take long: the upload is still going when the listing fails.
    const uploadPart = store.uploadPart.bind(store);
    store.uploadPart = async (...args) => {
      await delay(100);
      return uploadPart(...args);
    };
    let pages = 0;
    store.failures.push((operation, key) =>
      operation === 'ListObjectsV2' && ++pages > 6
        ? new StoreError('AccessDenied', '', {
            retryable: false,
            fatal: true,
            operation,
            key,
          })
        : undefined,
    );
    await expect(deploy(store)).rejects.toThrow(/AccessDenied|access/i);
    // It did begin (before page 7 failed), and it is gone.
    expect(callIndex(store, 'CreateMultipartUpload', 'a/big.bin')).toBeGreaterThan(-1);
    expect(callIndex(store, 'CreateMultipartUpload', 'a/big.bin')).toBeLessThan(lastListing(store));
    expect(store.uploads.size).toBe(0);
    expect(store.objects.has('a/big.bin')).toBe(false);
    expect(store.objects.has('b/page.html')).toBe(false);
  });
});

describe('HeadStart bounds', () => {
  const item = (key: string, entry = false): PlanItem => ({
    key,
    action: 'upload',
    reason: 'new',
    size: 1,
    file: { relPath: key, key, root: '/src', size: 1, mtimeMs: undefined, entry },
  });
  const denied = () =>
    new StoreError('AccessDenied', '', {
      retryable: false,
      fatal: true,
      operation: 'PutObject',
      key: 'k',
    });

  test('never more than inFlight at once nor total in all; no entry document', async () => {
    const started: string[] = [];
    const gates: (() => void)[] = [];
    const head = new HeadStart(
      (i) => {
        started.push(i.key);
        return new Promise((resolve) =>
          gates.push(() =>
            resolve({ parts: 1, bytes: 1, settings: { contentType: 'text/plain' } }),
          ),
        );
      },
      { inFlight: 2, total: 3 },
    );
    for (const k of ['a', 'b', 'c']) head.offer(item(k));
    expect(started).toEqual(['a', 'b']); // c: two already in flight
    head.offer(item('page.html', true));
    gates.shift()?.();
    await Promise.resolve();
    await Promise.resolve();
    head.offer(item('d'));
    head.offer(item('a')); // already started: not twice
    expect(started).toEqual(['a', 'b', 'd']);
    gates.splice(0).forEach((open) => open());
    await head.close();
    head.offer(item('e')); // total reached, and closed
    expect(started).toEqual(['a', 'b', 'd']);
    expect(head.get('c')).toBeUndefined();
    expect(await head.get('d')).toEqual({
      parts: 1,
      bytes: 1,
      settings: { contentType: 'text/plain' },
    });
  });

  test('a fatal failure stops further early starts', async () => {
    const started: string[] = [];
    const head = new HeadStart(
      (i) => {
        started.push(i.key);
        return Promise.reject(denied());
      },
      { inFlight: 4, total: 100 },
    );
    head.offer(item('a'));
    await head.get('a')?.catch(() => undefined);
    await Promise.resolve();
    head.offer(item('b'));
    expect(started).toEqual(['a']);
    await head.close();
  });
});
