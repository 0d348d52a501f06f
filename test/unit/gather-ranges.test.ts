/**
 * Large trees are listed in key ranges at once. What users rely on is unchanged: every listed
 * object is compared with its file exactly as with one chain — nothing re-uploaded that is
 * already there, exactly the stale keys deleted, nothing outside the prefix touched — also on a
 * store that ignores `start-after` and when a range's listing fails.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { run } from '../../src/deploy.js';
import type { LocalFile } from '../../src/scan.js';
import { inThreadScanner, type Scanner } from '../../src/scan-thread.js';
import { StoreError } from '../../src/store/store.js';
import { noWait, tempTree, testConfig } from '../support/fixtures.js';
import { fileWrites, MemoryStore, siteKeys } from '../support/memory-store.js';

/** 60 files in 6 folders; keys interleave with the stale ones below. */
const files = Object.fromEntries(
  Array.from({ length: 60 }, (_, i) => [
    `d${i % 6}/f${String(i).padStart(2, '0')}.txt`,
    `file ${i}`,
  ]),
);
const stale = Array.from({ length: 10 }, (_, i) => `site/d${i % 6}/g${i}.txt`);
let source: string;

beforeAll(async () => {
  source = await tempTree(files);
});
afterAll(async () => {
  await rm(source, { recursive: true, force: true });
});

/**
 * A bucket holding the tree as a deploy left it (no deploy state), the stale keys and a key
 * outside the prefix; small slow pages.
 */
function bucket(): MemoryStore {
  const store = new MemoryStore();
  for (const [rel, text] of Object.entries(files)) store.seed(`site/${rel}`, text);
  for (const key of stale) store.seed(key, 'old');
  store.seed('siteX/keep.txt', 'outside');
  store.pageSize = 4;
  // Pages take time, as on a real store: the first chain is still going when the scan ends.
  store.latencyMs = 2;
  return store;
}

const deploy = (store: MemoryStore, keysPerRange: number) =>
  run(
    {
      config: testConfig(source, {
        target: {
          bucket: 'mem',
          prefix: 'site/',
          region: undefined,
          endpoint: undefined,
          pathStyle: true,
        },
        delete: { enabled: true, max: 100 },
      }),
      dryRun: false,
      force: false,
    },
    { env: {}, emit: () => undefined, retry: noWait, createStore: () => store, keysPerRange },
  );

// 8 keys per range: the ranges are cut when the scan is done (60 files are fewer than the 64
// that eight ranges would need during it); 2: cut again and again while the scan goes on.
describe.each([8, 2])('listing in key ranges of %i keys', (keysPerRange) => {
  test('a deploy lists in ranges, uploads nothing that is there and deletes exactly the stale keys', async () => {
    const store = bucket();
    const result = await deploy(store, keysPerRange);
    // The first chain from the first key, then ranges starting after local keys.
    expect(store.listStarts[0]).toBeUndefined();
    expect(store.listStarts.length).toBeGreaterThan(2);
    for (const after of store.listStarts.slice(1))
      expect(Object.keys(files).map((k) => `site/${k}`)).toContain(after);
    // Nothing written but the deletes of the stale keys (and the deploy state).
    expect(fileWrites(store).filter((c) => c.operation !== 'DeleteObjects')).toEqual([]);
    expect(result.plan.assets.length + result.plan.entries.length).toBe(0);
    expect(result.plan.deletes.map((d) => d.key).sort()).toEqual([...stale].sort());
    expect(siteKeys(store).filter((k) => k.startsWith('site/'))).toEqual(
      Object.keys(files)
        .map((k) => `site/${k}`)
        .sort(),
    );
    expect(store.objects.get('siteX/keep.txt')?.body.toString()).toBe('outside');
  });

  test('each listing page is asked for once: ranges do not overlap', async () => {
    const store = bucket();
    await deploy(store, keysPerRange);
    // 71 keys under the prefix in pages of 4: one chain needs 18 pages. Each range boundary
    // may cost one extra page (the page that crosses into the next range).
    const pages = store.count('ListObjectsV2');
    expect(pages).toBeLessThanOrEqual(18 + store.listStarts.length);
  });

  test('a store that ignores start-after: the same plan, listed by one more chain', async () => {
    const store = bucket();
    store.ignoresStartAfter = true;
    const result = await deploy(store, keysPerRange);
    expect(fileWrites(store).filter((c) => c.operation !== 'DeleteObjects')).toEqual([]);
    expect(result.plan.assets.length + result.plan.entries.length).toBe(0);
    expect(result.plan.deletes.map((d) => d.key).sort()).toEqual([...stale].sort());
    // Ranges noticed on their first key and stopped; one chain listed the rest, at most
    // twice the pages of a single chain.
    expect(store.count('ListObjectsV2')).toBeLessThanOrEqual(2 * 18 + store.listStarts.length);
  });

  test('a range whose listing fails fails the deploy before any write', async () => {
    const store = bucket();
    let lists = 0;
    store.failures.push((operation) =>
      operation === 'ListObjectsV2' && ++lists === 6
        ? new StoreError('AccessDenied', 'denied', {
            retryable: false,
            fatal: true,
            operation,
            key: 'site/',
          })
        : undefined,
    );
    await expect(deploy(store, keysPerRange)).rejects.toThrow(/AccessDenied|denied/);
    expect(store.count('PutObject') + store.count('DeleteObjects')).toBe(0);
    expect(store.objects.size).toBe(60 + 10 + 1);
  });
});

/** Resolves once `done()` holds, checked every 5 ms; gives up (and resolves) after 3 s. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 3000; waited += 5) await delay(5);
}

/** No listing request for 50 ms: every chain has ended. */
function listingIsIdle(store: MemoryStore): () => boolean {
  let seen = -1;
  let since = Date.now();
  return () => {
    const now = store.count('ListObjectsV2');
    if (now !== seen) [seen, since] = [now, Date.now()];
    return Date.now() - since >= 50;
  };
}

describe('listing during the scan', () => {
  /** 1,200 files in 600 folders (30 × 20 × 2), all in the bucket already; pages of 50. */
  async function manyFolders() {
    const names = Array.from({ length: 1200 }, (_, i) => `a${i % 30}/b${i % 600}/f${i}.txt`);
    const tree = await tempTree(Object.fromEntries(names.map((n) => [n, 'x'])));
    const store = new MemoryStore();
    for (const name of names) store.seed(name, 'x');
    store.pageSize = 50;
    store.latencyMs = 1; // answers come through the event loop, as a socket's do
    return { tree, store };
  }

  /**
   * A dry run; how many pages and chains the listing had asked for when the scan ended (read
   * as the scan resolves, before gather goes on).
   */
  async function dryRun(tree: string, store: MemoryStore, keysPerRange?: number) {
    const atScanEnd = { pages: -1, chains: -1 };
    const scanner: Scanner = {
      ...inThreadScanner,
      scan: async (...args) => {
        const scanned = await inThreadScanner.scan(...args);
        atScanEnd.pages = store.count('ListObjectsV2');
        atScanEnd.chains = store.listStarts.length;
        return scanned;
      },
    };
    const result = await deployWith(tree, store, scanner, { dryRun: true, keysPerRange });
    return { result, atScanEnd };
  }

  /** A deploy of `tree` into `store` through `scanner`. */
  const deployWith = (
    tree: string,
    store: MemoryStore,
    scanner: Scanner,
    { dryRun, keysPerRange }: { dryRun: boolean; keysPerRange?: number | undefined },
  ) =>
    run(
      { config: testConfig(tree), dryRun, force: false },
      {
        env: {},
        emit: () => undefined,
        retry: noWait,
        createStore: () => store,
        scanner,
        ...(keysPerRange ? { keysPerRange } : {}),
      },
    );

  test('listing pages are read while a tree of many small folders is scanned', async () => {
    // No folder alone holds a yield's worth of entries, which is how a scan once held the
    // event loop until it was done.
    const { tree, store } = await manyFolders();
    try {
      const { result, atScanEnd } = await dryRun(tree, store);
      expect(result.plan.assets.length + result.plan.entries.length).toBe(0);
      // 1,800 entries, a turn of the event loop every 256: pages kept coming during the scan.
      expect(atScanEnd.pages).toBeGreaterThanOrEqual(4);
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  });

  test('a new file above the first cut starts uploading before the scan ends, once its range is listed', async () => {
    // 'a9/' sorts above every other folder: far above the first cut, made at the first 160
    // files found (20 keys a range, 8 ranges). The scan hands the new file over last, when
    // every range has listed past its key; it is known new then, and starts at once.
    const { tree, store } = await manyFolders();
    const newKey = 'a9/new.txt';
    await writeFile(path.join(tree, newKey), 'new');
    let putsBeforeScanEnd = -1;
    const scanner: Scanner = {
      ...inThreadScanner,
      scan: async (config, found, options) => {
        let held: [LocalFile, string | undefined] | undefined;
        const scanned = await inThreadScanner.scan(
          config,
          (file, md5) => (file.key === newKey ? (held = [file, md5]) : found(file, md5)),
          options,
        );
        const idle = listingIsIdle(store);
        await until(idle);
        found(...held!);
        await until(() => store.count('PutObject') > 0);
        putsBeforeScanEnd = store.count('PutObject');
        return scanned;
      },
    };
    try {
      const result = await deployWith(tree, store, scanner, { dryRun: false, keysPerRange: 20 });
      expect(store.listStarts.length).toBeGreaterThan(1);
      expect(putsBeforeScanEnd).toBe(1);
      expect(fileWrites(store)).toEqual([{ operation: 'PutObject', key: newKey }]);
      expect(result.plan.assets.map((i) => [i.key, i.reason])).toEqual([[newKey, 'new']]);
      expect(store.objects.get(newKey)?.body.toString()).toBe('new');
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  });

  test('the listing is cut into ranges while the scan goes on, and each key is compared once', async () => {
    // 20 keys per range: eight ranges' worth is 160 files, found long before the scan ends.
    const { tree, store } = await manyFolders();
    try {
      const { result, atScanEnd } = await dryRun(tree, store, 20);
      expect(atScanEnd.chains).toBeGreaterThan(1);
      expect(result.plan.assets.length + result.plan.entries.length).toBe(0);
      expect(result.plan.deletes).toEqual([]);
      expect(result.plan.others.filter((i) => i.action === 'skip')).toHaveLength(1200);
      // No page listed twice: one chain needs 24; each range may cost one page more.
      expect(store.count('ListObjectsV2')).toBeLessThanOrEqual(24 + store.listStarts.length);
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  });
});
