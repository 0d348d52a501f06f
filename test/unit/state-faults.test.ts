/**
 * The deploy state is a hint, never the truth: a state that is gone, cut short, garbage, from a
 * newer s3ship or written by a concurrent deploy costs HeadObjects and a warning, never a wrong
 * skip. Every deploy here ends with each object's bytes and settings as the rules say; objects
 * changed behind s3ship's back (settings or bytes) are found and put right.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Rule } from '../../src/config.js';
import { encodeState, STATE_FORMAT } from '../../src/state/document.js';
import { tempTree } from '../support/fixtures.js';
import { failOn, fileWrites, MemoryStore, writes } from '../support/memory-store.js';
import {
  deploy,
  expectBucketAsRules,
  keysOf,
  stateConfig,
  stateKey,
  storedState,
  warnings,
} from './state-support.js';

const files: Record<string, string> = {
  'index.html': '<html>home</html>',
  'assets/app.js': 'console.log("app");',
  'assets/style.css': 'body { color: red }',
  'img/logo.svg': '<svg/>',
};
const keys = Object.keys(files)
  .map((f) => `site/${f}`)
  .sort();
const long: Rule[] = [{ match: ['assets/**'], cacheControl: 'public, max-age=31536000' }];
const short: Rule[] = [{ match: ['assets/**'], cacheControl: 'max-age=60' }];
let source: string;

beforeAll(async () => {
  source = await tempTree(files);
});
afterAll(async () => {
  await rm(source, { recursive: true, force: true });
});

const replaceState = (store: MemoryStore, body: Buffer) => {
  const object = store.objects.get(stateKey());
  if (!object) throw new Error('no state to replace');
  store.objects.set(stateKey(), { ...object, body });
};

describe('a state that cannot be used: one warning, every object read, the bucket put right', () => {
  const faults: [string, (store: MemoryStore) => void, RegExp][] = [
    [
      'deleted',
      (s) => void s.objects.delete(stateKey()),
      /^no deploy state at s3:\/\/mem\/site\/\.s3ship\/state\.json\.gz \(/,
    ],
    [
      'cut short',
      (s) => replaceState(s, s.objects.get(stateKey())!.body.subarray(0, 20)),
      /^the deploy state s3:\/\/mem\/site\/\.s3ship\/state\.json\.gz is unusable: it is not a whole gzip stream/,
    ],
    [
      'garbage',
      (s) => replaceState(s, Buffer.from('<Error><Code>garbage</Code></Error>')),
      /is unusable: it is not a whole gzip stream/,
    ],
    [
      'from a newer s3ship',
      (s) =>
        replaceState(
          s,
          gzipSync(
            JSON.stringify({ format: STATE_FORMAT, version: 99, bucket: 'mem', prefix: 'site/' }),
          ),
        ),
      /is unusable: it was written by a newer s3ship \(state version 99/,
    ],
    [
      'of another prefix',
      (s) =>
        replaceState(
          s,
          encodeState({ ...storedState(s), prefix: 'other/', records: new Map() }, new Date()),
        ),
      /is unusable: it describes s3:\/\/mem\/other\/, not s3:\/\/mem\/site\//,
    ],
  ];

  test.each(faults)('%s', async (_name, breakState, warning) => {
    const store = new MemoryStore();
    await deploy(store, stateConfig(source, short));
    breakState(store);
    // And meanwhile a rule changed: what the state would have said is no longer wanted.
    const mark = store.calls.length;
    const next = await deploy(store, stateConfig(source, long));
    expect(warnings(next.events)).toEqual([expect.stringMatching(warning)]);
    expect(keysOf(next.calls, 'HeadObject')).toEqual(keys);
    expect(keysOf(fileWrites(store, mark), 'CopyObject')).toEqual([
      'site/assets/app.js',
      'site/assets/style.css',
    ]);
    expect(keysOf(fileWrites(store, mark), 'PutObject')).toEqual([]);
    expectBucketAsRules(store, files, long);
    // Written anew, whole: the next deploy reads no object and writes nothing.
    expect([...storedState(store).records.keys()].sort()).toEqual(keys);
    const quiet = store.calls.length;
    const after = await deploy(store, stateConfig(source, long));
    expect(warnings(after.events)).toEqual([]);
    expect(after.calls.filter((c) => c.operation === 'HeadObject')).toEqual([]);
    expect(writes(store, quiet)).toEqual([]);
  });

  test('a state that cannot be read (GetObject refused): a warning naming the error, the deploy goes on', async () => {
    const store = new MemoryStore();
    await deploy(store, stateConfig(source, short));
    store.failures.push(failOn('GetObject', (k) => k === stateKey(), 'AccessDenied'));
    const next = await deploy(store, stateConfig(source, long));
    expect(warnings(next.events)).toEqual([
      expect.stringMatching(/^cannot read the deploy state s3:\/\/mem\/site\/.*AccessDenied/),
    ]);
    expectBucketAsRules(store, files, long);
  });
});

describe('objects changed behind s3ship', () => {
  test('settings replaced on one object (same bytes, new LastModified): exactly it is read and put right', async () => {
    const store = new MemoryStore();
    await deploy(store, stateConfig(source, long));
    store.replaceSettingsOutOfBand('site/assets/app.js', { cacheControl: 'no-store' });
    const mark = store.calls.length;
    const next = await deploy(store, stateConfig(source, long));
    expect(keysOf(next.calls, 'HeadObject')).toEqual(['site/assets/app.js']);
    expect(warnings(next.events)).toEqual([
      expect.stringMatching(
        /^1 object\(s\) changed since the deploy state was written.*: site\/assets\/app\.js;/,
      ),
    ]);
    expect(fileWrites(store, mark)).toEqual([
      { operation: 'CopyObject', key: 'site/assets/app.js' },
    ]);
    const item = next.result.plan.assets.find((i) => i.key === 'site/assets/app.js');
    expect(item?.detail).toBe('cache-control no-store → public, max-age=31536000');
    expectBucketAsRules(store, files, long);
    const quiet = store.calls.length;
    await deploy(store, stateConfig(source, long));
    expect(writes(store, quiet)).toEqual([]);
  });

  test('an object overwritten with other bytes is uploaded again', async () => {
    const store = new MemoryStore();
    await deploy(store, stateConfig(source, long));
    // Same size, other bytes, the rules' settings: only the ETag tells.
    store.seed('site/assets/style.css', 'body { color: RED }', long[0]);
    const mark = store.calls.length;
    const next = await deploy(store, stateConfig(source, long));
    expect(fileWrites(store, mark)).toEqual([
      { operation: 'PutObject', key: 'site/assets/style.css' },
    ]);
    expect(next.result.plan.assets.map((i) => [i.key, i.action, i.reason])).toEqual([
      ['site/assets/style.css', 'upload', 'changed'],
    ]);
    expectBucketAsRules(store, files, long);
  });

  test('a local edit of the same size is uploaded, with the rules’ settings', async () => {
    const tree = await tempTree(files);
    try {
      const store = new MemoryStore();
      await deploy(store, stateConfig(tree, long));
      const edited = { ...files, 'assets/app.js': 'console.log("APP");' };
      await writeFile(path.join(tree, 'assets/app.js'), edited['assets/app.js']);
      const mark = store.calls.length;
      await deploy(store, stateConfig(tree, long));
      expect(fileWrites(store, mark)).toEqual([
        { operation: 'PutObject', key: 'site/assets/app.js' },
      ]);
      expectBucketAsRules(store, edited, long);
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  });
});

describe('a state written by a concurrent deploy', () => {
  test('records of other versions of the objects never skip a wrong object', async () => {
    // Deploy A and deploy B (another tree) run into the same prefix at once; B's objects land,
    // A's state is written last. Then one object's settings are changed behind both.
    const treeA = await tempTree({ ...files, 'assets/app.js': 'console.log("A");' });
    const filesB = { ...files, 'assets/app.js': 'console.log("B!");', 'new.txt': 'B only' };
    const treeB = await tempTree(filesB);
    try {
      const store = new MemoryStore();
      await deploy(store, stateConfig(treeA, long));
      const stateA = store.objects.get(stateKey())!.body;
      await deploy(store, stateConfig(treeB, long));
      replaceState(store, stateA);
      store.replaceSettingsOutOfBand('site/assets/style.css', { cacheControl: 'no-store' });

      const mark = store.calls.length;
      const next = await deploy(store, stateConfig(treeB, long));
      // Said once, naming the objects the state no longer describes (not the ones it never did).
      const said = warnings(next.events);
      expect(said).toEqual([expect.stringMatching(/changed since the deploy state was written/)]);
      expect(said[0]).toContain('site/assets/app.js, site/assets/style.css');
      expect(said[0]).not.toMatch(/new\.txt|index\.html|logo\.svg/);
      // A's records trusted only for objects A's state still describes (index.html, logo.svg);
      // B's app.js, B's new.txt and the changed style.css are read.
      expect(keysOf(next.calls, 'HeadObject')).toEqual([
        'site/assets/app.js',
        'site/assets/style.css',
        'site/new.txt',
      ]);
      expect(fileWrites(store, mark)).toEqual([
        { operation: 'CopyObject', key: 'site/assets/style.css' },
      ]);
      expectBucketAsRules(store, filesB, long);
      const quiet = store.calls.length;
      await deploy(store, stateConfig(treeB, long));
      expect(writes(store, quiet)).toEqual([]);
    } finally {
      await rm(treeA, { recursive: true, force: true });
      await rm(treeB, { recursive: true, force: true });
    }
  });
});
