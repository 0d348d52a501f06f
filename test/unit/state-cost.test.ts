/**
 * What the deploy state saves and what it must never cost: a no-change deploy with a good state
 * is one GET and the listing; an object whose ETag is not its MD5 (SSE-KMS) is proven unchanged
 * without a HEAD; shards' parts are merged by prune into one state; the state's own keys are
 * never deleted and no local file takes them; and reading settings never puts more than
 * `concurrency` requests in flight.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Rule } from '../../src/config.js';
import { inShard } from '../../src/shard.js';
import { decodeState } from '../../src/state/document.js';
import { tempTree } from '../support/fixtures.js';
import { fileWrites, MemoryStore, siteKeys, writes } from '../support/memory-store.js';
import {
  deploy,
  expectBucketAsRules,
  keysOf,
  stateConfig,
  stateKey,
  storedState,
  warnings,
} from './state-support.js';

const rules: Rule[] = [
  { match: ['**/*.html'], cacheControl: 'no-cache' },
  { match: ['assets/**'], cacheControl: 'public, max-age=31536000, immutable' },
];

function tree(n: number): Record<string, string> {
  const files: Record<string, string> = { 'index.html': '<html>home</html>' };
  for (let i = 0; i < n; i++)
    files[`assets/f${String(i).padStart(3, '0')}.js`] = `export const n = ${i};`;
  return files;
}

describe('cost of a no-change deploy', () => {
  const files = tree(299);
  let source: string;
  beforeAll(async () => {
    source = await tempTree(files);
  });
  afterAll(async () => {
    await rm(source, { recursive: true, force: true });
  });

  test('300 files, a good state: one GetObject, the listing pages, nothing else', async () => {
    const store = new MemoryStore();
    store.pageSize = 100;
    await deploy(store, stateConfig(source, rules));
    const again = await deploy(store, stateConfig(source, rules));
    expect(again.result.plan.others.filter((i) => i.action === 'skip')).toHaveLength(300);
    // 300 objects and the state: 4 pages of 100.
    const listing = again.calls.filter((c) => c.operation === 'ListObjectsV2');
    expect(listing).toHaveLength(4);
    expect(again.calls.filter((c) => c.operation !== 'ListObjectsV2')).toEqual([
      { operation: 'GetObject', key: stateKey() },
    ]);
    expect(warnings(again.events)).toEqual([]);
  });

  test('without the state the same deploy reads every object once (and writes only the state)', async () => {
    const store = new MemoryStore();
    await deploy(store, stateConfig(source, rules));
    store.objects.delete(stateKey());
    const mark = store.calls.length;
    const again = await deploy(store, stateConfig(source, rules));
    expect(keysOf(again.calls, 'HeadObject')).toEqual(siteKeys(store));
    expect(writes(store, mark)).toEqual([{ operation: 'PutObject', key: stateKey() }]);
  });
});

describe('an object whose ETag is not its MD5 (SSE-KMS)', () => {
  const files = tree(3);
  const kms: Rule[] = [...rules, { match: ['**'], serverSideEncryption: 'aws:kms' }];
  let source: string;
  beforeAll(async () => {
    source = await tempTree(files);
  });
  afterAll(async () => {
    await rm(source, { recursive: true, force: true });
  });

  test('with the state, its recorded MD5 proves it unchanged: no HeadObject, no write', async () => {
    const store = new MemoryStore();
    store.kmsEtags = true;
    await deploy(store, stateConfig(source, kms));
    const object = store.objects.get('site/assets/f000.js')!;
    expect(object.etag).not.toBe(createHash('md5').update(object.body).digest('hex'));
    const mark = store.calls.length;
    const again = await deploy(store, stateConfig(source, kms));
    expect(again.calls.filter((c) => c.operation === 'HeadObject')).toEqual([]);
    expect(writes(store, mark)).toEqual([]);
    expect(again.result.plan.others.every((i) => i.action === 'skip')).toBe(true);
    expectBucketAsRules(store, files, kms);
  });

  test('without the state it reads each object once, and uploads nothing', async () => {
    const store = new MemoryStore();
    store.kmsEtags = true;
    await deploy(store, stateConfig(source, kms));
    store.objects.delete(stateKey());
    const mark = store.calls.length;
    const again = await deploy(store, stateConfig(source, kms));
    expect(keysOf(again.calls, 'HeadObject')).toEqual(siteKeys(store));
    expect(fileWrites(store, mark)).toEqual([]);
  });
});

describe('shards', () => {
  const files = tree(40);
  let source: string;
  beforeAll(async () => {
    source = await tempTree(files);
  });
  afterAll(async () => {
    await rm(source, { recursive: true, force: true });
  });

  test('each shard writes its part; prune merges them into one state and deletes the parts', async () => {
    const store = new MemoryStore();
    const config = stateConfig(source, rules, { delete: { enabled: true, max: 10 } });
    const parts = [1, 2].map((i) => `${stateKey()}.shard-${i}-of-2`);
    for (const index of [1, 2]) {
      const shard = { index, count: 2 };
      await deploy(store, config, { shard });
      const part = store.objects.get(parts[index - 1]!);
      expect(part).toBeDefined();
      const records = decodeState(part!.body, 'mem', 'site/').records;
      const mine = Object.keys(files)
        .map((f) => `site/${f}`)
        .filter((k) => inShard(k, shard))
        .sort();
      expect([...records.keys()].sort()).toEqual(mine);
    }
    expect(store.objects.has(stateKey())).toBe(false);

    const pruned = await deploy(store, config, { prune: true });
    expect(pruned.result.plan.deletes).toEqual([]); // the parts are not stale site content
    for (const part of parts) expect(store.objects.has(part)).toBe(false);
    const state = storedState(store);
    expect([...state.records.keys()].sort()).toEqual(siteKeys(store));
    for (const [key, record] of state.records) {
      const object = store.objects.get(key)!;
      expect([key, record.etag, record.lastModified]).toEqual([
        key,
        object.etag,
        object.lastModified,
      ]);
    }

    const mark = store.calls.length;
    const full = await deploy(store, config);
    expect(full.calls.filter((c) => c.operation === 'HeadObject')).toEqual([]);
    expect(writes(store, mark)).toEqual([]);
    expectBucketAsRules(store, files, rules);
  });
});

describe("the state's own keys", () => {
  test('are never deleted as stale, and a local file does not take them', async () => {
    const files = { ...tree(3), '.s3ship/state.json.gz': 'a local file, not a state' };
    const source = await tempTree(files);
    try {
      const store = new MemoryStore();
      const config = stateConfig(source, rules, { delete: { enabled: true, max: 10 } });
      await deploy(store, config);
      // A part left by a shard run that prune never merged, and a stale key beside them.
      store.seed(`${stateKey()}.shard-1-of-3`, 'part');
      store.seed('site/stale.txt', 'old');
      const next = await deploy(store, config);
      expect(next.result.plan.deletes.map((d) => d.key)).toEqual(['site/stale.txt']);
      expect(store.objects.has(`${stateKey()}.shard-1-of-3`)).toBe(true);
      expect(storedState(store).records.has(stateKey())).toBe(false);
      const keys = [
        ...next.result.plan.assets,
        ...next.result.plan.entries,
        ...next.result.plan.others,
      ];
      expect(keys.map((i) => i.key)).not.toContain(stateKey());
      // The stored state is a state (the local file's bytes never went up).
      expect(store.objects.get(stateKey())?.body.toString()).not.toBe(
        files['.s3ship/state.json.gz'],
      );
      expect([...storedState(store).records.keys()].sort()).toEqual(
        Object.keys(tree(3))
          .map((f) => `site/${f}`)
          .sort(),
      );
    } finally {
      await rm(source, { recursive: true, force: true });
    }
  });
});

describe('requests in flight', () => {
  test('reading settings (no state) never puts more than concurrency object requests in flight', async () => {
    // (The listing's chains, at most 8, come on top: README "Bounded".)
    // 200 objects in the bucket whose settings must be read, 200 new files to upload.
    const files: Record<string, string> = {};
    const store = new MemoryStore();
    for (let i = 0; i < 200; i++) {
      files[`old/f${i}.txt`] = `old ${i}`;
      store.seed(`site/old/f${i}.txt`, `old ${i}`);
      files[`new/f${i}.js`] = `new ${i}`;
    }
    store.pageSize = 10;
    store.latencyMs = 3;
    const source = await tempTree(files);
    try {
      const result = await deploy(store, stateConfig(source, [], { concurrency: 8 }));
      expect(result.result.outcomes?.every((o) => o.status === 'done')).toBe(true);
      expect(store.maxObjectsInFlight).toBe(8);
      expect(store.maxInFlight).toBeLessThanOrEqual(8 + 1); // one listing chain at this size
    } finally {
      await rm(source, { recursive: true, force: true });
    }
  });
});
