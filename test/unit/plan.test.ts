import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { digestBuffer } from '../../src/hash.js';
import { buildPlan, type LocalContent, type PlanInput } from '../../src/plan.js';
import type { LocalFile } from '../../src/scan.js';
import type { RemoteObject } from '../../src/store/store.js';

const MiB = 1024 * 1024;
const settings = { contentType: 'text/plain' };

function file(key: string, size: number, entry = false): LocalFile {
  return { relPath: key, key, root: '/src', size, entry };
}

function input(
  files: LocalFile[],
  content: [string, LocalContent][],
  remote: RemoteObject[],
  extra: Partial<PlanInput> = {},
): PlanInput {
  const map = new Map(content);
  for (const f of files) if (!map.has(f.key)) map.set(f.key, { uploadSize: f.size, settings });
  return {
    files,
    content: map,
    remote: new Map(remote.map((r) => [r.key, r])),
    prefix: '',
    delete: { enabled: false, max: 100 },
    force: false,
    ...extra,
  };
}

describe('buildPlan: deciding "changed"', () => {
  const body = Buffer.from('hello world');
  const digest = digestBuffer(body);

  test('no remote object → new; different size → size, without hashing', () => {
    const plan = buildPlan(
      input([file('a.txt', 11), file('b.txt', 11)], [], [{ key: 'b.txt', size: 5, etag: 'x' }]),
    );
    expect(plan.assets.map((i) => [i.key, i.reason])).toEqual([
      ['a.txt', 'new'],
      ['b.txt', 'size'],
    ]);
  });

  test('same MD5 → unchanged; different MD5 → changed', () => {
    const same = buildPlan(
      input(
        [file('a.txt', 11)],
        [['a.txt', { uploadSize: 11, settings, digest }]],
        [{ key: 'a.txt', size: 11, etag: digest.md5 }],
      ),
    );
    expect(same.others[0]).toMatchObject({ action: 'skip', reason: 'unchanged' });
    const other = buildPlan(
      input(
        [file('a.txt', 11)],
        [['a.txt', { uploadSize: 11, settings, digest }]],
        [{ key: 'a.txt', size: 11, etag: 'f'.repeat(32) }],
      ),
    );
    expect(other.assets[0]).toMatchObject({ action: 'upload', reason: 'changed' });
  });

  test("a multipart ETag made with another tool's part size is recognised", () => {
    const big = Buffer.alloc(12 * MiB, 7);
    const d = digestBuffer(big, [8 * MiB, 5 * MiB]);
    const etag = d.multipart.get(5 * MiB)!;
    const plan = buildPlan(
      input(
        [file('big.bin', big.length)],
        [['big.bin', { uploadSize: big.length, settings, digest: d }]],
        [{ key: 'big.bin', size: big.length, etag }],
      ),
    );
    expect(plan.others[0]).toMatchObject({ action: 'skip', reason: 'unchanged' });
    expect(plan.others[0]?.detail).toContain('5 MiB');
  });

  test('a non-MD5 ETag without stored MD5 is unverifiable; with a matching stored MD5 it is unchanged', () => {
    const remote = [{ key: 'a.txt', size: 11, etag: 'not-an-md5' }];
    const bare = buildPlan(
      input([file('a.txt', 11)], [['a.txt', { uploadSize: 11, settings, digest }]], remote),
    );
    expect(bare.assets[0]?.reason).toBe('unverifiable');
    const stored = buildPlan(
      input(
        [file('a.txt', 11)],
        [['a.txt', { uploadSize: 11, settings, digest, storedMd5: digest.md5 }]],
        remote,
      ),
    );
    expect(stored.others[0]?.reason).toBe('unchanged');
  });

  test('entry documents are planned after assets', () => {
    const plan = buildPlan(input([file('index.html', 1, true), file('app.js', 1)], [], []));
    expect(plan.assets.map((i) => i.key)).toEqual(['app.js']);
    expect(plan.entries.map((i) => i.key)).toEqual(['index.html']);
  });

  test('--force uploads unchanged files', () => {
    const plan = buildPlan(
      input(
        [file('a.txt', 11)],
        [['a.txt', { uploadSize: 11, settings, digest }]],
        [{ key: 'a.txt', size: 11, etag: digest.md5 }],
        { force: true },
      ),
    );
    expect(plan.assets[0]?.reason).toBe('force');
  });

  test('a file proven equal while listing keeps no listed object and is skipped, not taken for new', () => {
    // What gather hands over for an unchanged file at scale: the verdict, no object, no digest.
    const proven = (how: string): LocalContent => ({ uploadSize: 11, settings, proven: how });
    const plan = buildPlan(
      input(
        [file('a.txt', 11), file('big.bin', 11)],
        [
          ['a.txt', proven('')],
          ['big.bin', proven('multipart ETag, 8 MiB parts')],
        ],
        [],
        { delete: { enabled: true, max: 100 } },
      ),
    );
    expect(plan.assets).toEqual([]);
    expect(plan.deletes).toEqual([]);
    expect(plan.others.map((i) => [i.key, i.action, i.reason, i.detail])).toEqual([
      ['a.txt', 'skip', 'unchanged', undefined],
      ['big.bin', 'skip', 'unchanged', 'multipart ETag, 8 MiB parts'],
    ]);
    const forced = buildPlan(
      input([file('a.txt', 11)], [['a.txt', proven('')]], [], { force: true }),
    );
    expect(forced.assets.map((i) => [i.key, i.reason])).toEqual([['a.txt', 'force']]);
  });
});

describe('buildPlan: a content record shared by many files', () => {
  // What gather hands over for the common verdicts at scale: one record per settings and
  // verdict, with no size of its own (inspect.ts); each item still has its file's size.
  const shared: LocalContent = Object.freeze({ settings });
  const sharedProven: LocalContent = Object.freeze({ settings, proven: '' });

  test('new and unchanged files take their own sizes from their files', () => {
    const plan = buildPlan(
      input(
        [file('a.txt', 3), file('b.txt', 5), file('c.txt', 7), file('d.txt', 9)],
        [
          ['a.txt', shared],
          ['b.txt', shared],
          ['c.txt', sharedProven],
          ['d.txt', sharedProven],
        ],
        [],
      ),
    );
    expect(plan.assets.map((i) => [i.key, i.reason, i.size])).toEqual([
      ['a.txt', 'new', 3],
      ['b.txt', 'new', 5],
    ]);
    expect(plan.others.map((i) => [i.key, i.action, i.size])).toEqual([
      ['c.txt', 'skip', 7],
      ['d.txt', 'skip', 9],
    ]);
  });

  test("without a size of its own, the size compared with the object is the file's", () => {
    const plan = buildPlan(
      input([file('a.txt', 3)], [['a.txt', shared]], [{ key: 'a.txt', size: 4, etag: 'e' }]),
    );
    expect(plan.assets.map((i) => [i.reason, i.detail, i.size])).toEqual([
      ['size', '4 → 3 bytes', 3],
    ]);
  });
});

describe('buildPlan: deletes', () => {
  const remote = (keys: string[]) => keys.map((key) => ({ key, size: 1, etag: 'e' }));

  test('deletes are off by default: stale keys are kept', () => {
    const plan = buildPlan(input([], [], remote(['old.txt'])));
    expect(plan.deletes).toEqual([]);
    expect(plan.others[0]).toMatchObject({ action: 'keep', reason: 'delete-off' });
  });

  test('only stale keys under the prefix are deleted', () => {
    const plan = buildPlan(
      input([file('site/a', 1)], [], remote(['site/a', 'site/old', 'other/x', 'site']), {
        prefix: 'site/',
        delete: { enabled: true, max: 10 },
      }),
    );
    expect(plan.deletes.map((i) => i.key)).toEqual(['site/old']);
  });

  test('more stale keys than max_delete → none is deleted', () => {
    const plan = buildPlan(
      input([], [], remote(['a', 'b', 'c']), { delete: { enabled: true, max: 2 } }),
    );
    expect(plan.deletes).toEqual([]);
    expect(plan.others.every((i) => i.reason === 'over-max-delete')).toBe(true);
  });

  test('max_delete as a share: of the keys under the prefix, rounded down', () => {
    // 8 keys under the prefix (5 of them local files), 25% of 8 = 2.
    const local = ['a', 'b', 'c', 'd', 'e'].map((k) => file(`site/${k}`, 1));
    const plan = (staleKeys: string[]) =>
      buildPlan(
        input(local, [], remote([...local.map((f) => f.key), ...staleKeys, 'other/x']), {
          prefix: 'site/',
          delete: { enabled: true, max: { percent: 25 } },
        }),
      );
    const three = plan(['site/x', 'site/y', 'site/z']);
    expect(three.deletes).toEqual([]);
    expect(three.others.filter((i) => i.action === 'keep')).toEqual(
      ['site/x', 'site/y', 'site/z'].map((key) =>
        expect.objectContaining({
          key,
          reason: 'over-max-delete',
          detail: '3 stale keys, max_delete 25% of 8 keys = 2',
        }),
      ),
    );
    // 7 keys: 25% of 7 is 1.75, so 1 — and 2 stale keys are too many.
    expect(plan(['site/x', 'site/y']).deletes).toEqual([]);
    const one = plan(['site/x']);
    expect(one.deletes.map((i) => i.key)).toEqual(['site/x']);
  });

  test('max_delete as a share counts objects whose files were compared or proven equal', () => {
    // Gather hands the plan compared objects in `content`, not in `remote`: they count too.
    const files = ['a', 'b', 'c'].map((k) => file(k, 1));
    const plan = buildPlan(
      input(
        files,
        [
          ['a', { settings, proven: '' }],
          ['b', { settings, remote: { key: 'b', size: 2, etag: 'e' } }],
        ],
        remote(['old']),
        { delete: { enabled: true, max: { percent: 50 } } },
      ),
    );
    // a, b and old are listed (c is new): 50% of 3 = 1.
    expect(plan.deletes.map((i) => i.key)).toEqual(['old']);
  });

  test('over max_delete as a number: the detail states the cap and the count', () => {
    const plan = buildPlan(
      input([], [], remote(['a', 'b', 'c']), { delete: { enabled: true, max: 2 } }),
    );
    expect(plan.others[0]?.detail).toBe('3 stale keys, max_delete 2');
  });

  test('property: deletes never leave the prefix and never touch a local key', () => {
    const key = fc.stringMatching(/^[a-c]{0,2}\/?[a-c]{1,3}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(key),
        fc.uniqueArray(key),
        fc.constantFrom('', 'a/', 'b/'),
        (localKeys, remoteKeys, prefix) => {
          const files = localKeys
            .filter((k) => k.startsWith(prefix) && k !== prefix)
            .map((k) => file(k, 1));
          const plan = buildPlan(
            input(files, [], remote(remoteKeys), { prefix, delete: { enabled: true, max: 1000 } }),
          );
          for (const d of plan.deletes) {
            expect(d.key.startsWith(prefix) && d.key !== prefix).toBe(true);
            expect(files.some((f) => f.key === d.key)).toBe(false);
          }
        },
      ),
    );
  });
});
