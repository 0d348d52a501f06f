/**
 * The checks between plan and execution (guards.ts), through whole runs against the in-memory
 * store: an empty source with deletes on is refused before anything is sent.
 */
import { describe, expect, test } from '@jest/globals';
import type { DeployConfig } from '../../src/config.js';
import { run, type RunOptions } from '../../src/deploy.js';
import { S3shipError } from '../../src/errors.js';
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

/** What reached the store beyond reading it. */
const writes = (store: MemoryStore) =>
  store.calls.filter((c) => !['ListObjectsV2', 'HeadObject'].includes(c.operation));

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
