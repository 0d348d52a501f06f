/**
 * The checks between plan and execution (guards.ts), through whole runs against the in-memory
 * store: an empty source with deletes on is refused before anything is sent; new bytes under a
 * key cached as immutable are a warning, or with immutable_changes: error a refusal.
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { DeployConfig } from '../../src/config.js';
import { run, type RunOptions } from '../../src/deploy.js';
import { S3shipError } from '../../src/errors.js';
import type { DeployEvent } from '../../src/events.js';
import { changesImmutable, IMMUTABLE_CHANGE } from '../../src/immutable.js';
import { buildPlan, type Action, type PlanItem, type Reason } from '../../src/plan.js';
import { MemoryStore } from '../support/memory-store.js';
import { noWait, tempTree, testConfig } from '../support/fixtures.js';

const SITE = ['index.html', 'a.js', 'b.css'];

function deployedSite(): MemoryStore {
  const store = new MemoryStore();
  for (const key of SITE)
    store.objects.set(key, { body: Buffer.from(key), etag: 'e', metadata: {} });
  return store;
}

async function runOn(
  store: MemoryStore,
  files: Record<string, string>,
  config: Partial<DeployConfig>,
  options: Partial<RunOptions> = {},
) {
  const source = await tempTree(files);
  return run(
    { config: testConfig(source, config), dryRun: false, force: false, ...options },
    { env: {}, emit: () => undefined, retry: noWait, createStore: () => store },
  );
}

/** What reached the store beyond reading it (the deploy state's GET is a read). */
const writes = (store: MemoryStore) =>
  store.calls.filter((c) => !['ListObjectsV2', 'HeadObject', 'GetObject'].includes(c.operation));

describe('an empty source with deletes on', () => {
  const on = { delete: { enabled: true, max: { percent: 100 } } };

  test.each([
    ['a deploy', {}],
    ['a dry run', { dryRun: true }],
    ['prune', { prune: true }],
  ])('%s is refused (exit 2), with nothing sent and the bucket unchanged', async (_, options) => {
    const store = deployedSite();
    const refused = runOn(store, {}, on, options);
    await expect(refused).rejects.toThrow(S3shipError);
    const error = (await refused.catch((e: unknown) => e)) as S3shipError;
    expect(error.code).toBe('SOURCE_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(
      /^Source \/.+ has no files after include\/exclude, and deletes are on: all 3 key\(s\) s3ship owns under s3:\/\/mem\/ would be stale — nothing was sent\. Check that the build wrote its output there, or pass --allow-empty-source \(spec: allow_empty_source: true\) to deploy an empty source on purpose\.$/,
    );
    expect(writes(store)).toEqual([]);
    expect([...store.objects.keys()].sort()).toEqual([...SITE].sort());
  });

  test('files that include/exclude leave out do not count', async () => {
    const store = deployedSite();
    const refused = runOn(
      store,
      { 'notes.md': 'x', '.DS_Store': 'x' },
      {
        ...on,
        exclude: ['**/*.md', '**/.DS_Store'],
      },
    );
    await expect(refused).rejects.toThrow(/has no files after include\/exclude/);
    expect(writes(store)).toEqual([]);
  });

  test('--allow-empty-source deploys it: the stale keys are deleted (up to max_delete)', async () => {
    const store = deployedSite();
    const result = await runOn(store, {}, { ...on, allowEmptySource: true });
    expect(result.plan.deletes.map((i) => i.key).sort()).toEqual([...SITE].sort());
    expect(store.objects.size).toBe(0);
  });

  test('deletes off, or a shard job (only prune deletes), is not refused', async () => {
    const store = deployedSite();
    const off = await runOn(store, {}, {});
    expect(off.plan.others.map((i) => i.reason)).toEqual([
      'delete-off',
      'delete-off',
      'delete-off',
    ]);
    const shard = await runOn(store, {}, on, { shard: { index: 1, count: 2 } });
    expect(shard.plan.deletes).toEqual([]);
    expect(writes(store)).toEqual([]);
  });

  test('a source with one file is not empty: the cap alone decides', async () => {
    const store = deployedSite();
    const result = await runOn(store, { 'index.html': 'index.html' }, on);
    expect(result.plan.deletes.map((i) => i.key).sort()).toEqual(['a.js', 'b.css']);
  });
});

describe('new bytes under a key whose Cache-Control says immutable', () => {
  const MiB = 1024 * 1024;
  const immutable = {
    rules: [{ match: ['assets/**'], cacheControl: 'public, max-age=31536000, immutable' }],
  };

  /** A deployed site whose assets/app.js now has other bytes; assets/same.js does not. */
  function cachedSite(): MemoryStore {
    const store = new MemoryStore();
    const put = (key: string, text: string) =>
      store.objects.set(key, {
        body: Buffer.from(text),
        etag: createHash('md5').update(text).digest('hex'),
        metadata: {},
      });
    put('assets/app.js', 'old app');
    put('assets/same.js', 'same');
    put('index.html', 'old page');
    return store;
  }
  const tree = { 'assets/app.js': 'new app!', 'assets/same.js': 'same', 'index.html': 'new page' };

  test('warn (the default): the plan item and one warning name the key; the upload goes ahead', async () => {
    const store = cachedSite();
    const events: DeployEvent[] = [];
    const source = await tempTree(tree);
    const result = await run(
      { config: testConfig(source, immutable), dryRun: false, force: false },
      { env: {}, emit: (e) => events.push(e), retry: noWait, createStore: () => store },
    );
    const warned = [...result.plan.assets, ...result.plan.entries].filter((i) => i.warning);
    expect(warned.map((i) => [i.key, i.reason, i.warning])).toEqual([
      ['assets/app.js', 'size', IMMUTABLE_CHANGE],
    ]);
    // (The seeded bucket has no deploy state: that is warned about too, separately.)
    expect(events.filter((e) => e.type === 'warning' && e.message.includes('immutable'))).toEqual([
      {
        type: 'warning',
        message:
          '1 key(s) whose Cache-Control says immutable get new bytes: assets/app.js — browsers and CDNs may keep serving the old bytes until max-age runs out (often a year). Give changed files new names (a content hash), or set immutable_changes: error to stop such deploys.',
      },
    ]);
    expect(store.objects.get('assets/app.js')?.body.toString()).toBe('new app!');
  });

  test('error: exit 2 naming the keys, before anything is uploaded (a big new file included)', async () => {
    const store = cachedSite();
    const refused = runOn(
      store,
      { ...tree, 'zz/big.bin': 'x'.repeat(6 * MiB) },
      {
        ...immutable,
        immutableChanges: 'error',
        multipart: { threshold: 5 * MiB, partSize: 5 * MiB },
      },
    );
    const error = (await refused.catch((e: unknown) => e)) as S3shipError;
    expect(error).toBeInstanceOf(S3shipError);
    expect(error.code).toBe('IMMUTABLE_CHANGED');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      '1 key(s) whose Cache-Control says immutable would get new bytes: assets/app.js — browsers and CDNs may keep serving the old bytes until max-age runs out (often a year); nothing was uploaded. Give changed files new names (a content hash), or set immutable_changes: warn to deploy anyway.',
    );
    expect(writes(store)).toEqual([]);
    expect(store.objects.get('assets/app.js')?.body.toString()).toBe('old app');
  });

  test('error mode with no immutable change deploys as usual', async () => {
    const store = cachedSite();
    await runOn(
      store,
      { ...tree, 'assets/app.js': 'old app' },
      {
        ...immutable,
        immutableChanges: 'error',
      },
    );
    expect(store.objects.get('index.html')?.body.toString()).toBe('new page');
  });
});

describe('changesImmutable', () => {
  const item = (reason: Reason, cacheControl?: string, action: Action = 'upload'): PlanItem => ({
    key: 'k',
    action,
    reason,
    size: 1,
    settings: cacheControl === undefined ? {} : { cacheControl },
  });

  test.each<[Reason, string | undefined, string | undefined, boolean]>([
    ['changed', 'public, max-age=31536000, immutable', undefined, true],
    ['size', 'max-age=31536000,Immutable', undefined, true],
    ['changed', 'no-cache', 'public, max-age=31536000, immutable', true],
    ['changed', undefined, 'immutable', true],
    ['changed', 'no-cache', 'no-cache', false],
    ['changed', 'x-immutable-ish', undefined, false],
    ['new', 'immutable', undefined, false],
    ['force', 'immutable', undefined, false],
    ['unverifiable', 'immutable', undefined, false],
  ])('%s, rule %j, before %j → %s', (reason, rule, previous, expected) => {
    expect(changesImmutable(item(reason, rule), previous)).toBe(expected);
  });

  test('only uploads: an unchanged key is no change', () => {
    expect(changesImmutable(item('unchanged', 'immutable', 'skip'))).toBe(false);
  });

  test('the Cache-Control the object was stored with (from the deploy state) counts too', () => {
    const plan = buildPlan({
      files: [{ relPath: 'a.js', key: 'a.js', root: '/src', size: 2, entry: false }],
      content: new Map([
        [
          'a.js',
          { settings: {}, uploadSize: 2, previousCacheControl: 'max-age=31536000, immutable' },
        ],
      ]),
      remote: new Map([['a.js', { key: 'a.js', size: 1, etag: 'e' }]]),
      prefix: '',
      delete: { enabled: false, max: 0 },
      force: false,
    });
    expect(plan.assets[0]).toMatchObject({ reason: 'size', warning: IMMUTABLE_CHANGE });
  });
});
