import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import picomatch from 'picomatch';
import { digestBuffer } from '../../src/hash.js';
import { buildPlan, type LocalContent, type PlanInput } from '../../src/plan.js';
import type { LocalFile } from '../../src/scan.js';
import type { RemoteObject } from '../../src/store/store.js';
import { unownedKeys } from '../../src/unowned.js';

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

describe('buildPlan: keys the spec does not own are never deleted', () => {
  const remote = (keys: string[]) => keys.map((key) => ({ key, size: 1, etag: 'e' }));
  const filters = (f: { include?: string[]; exclude?: string[]; keep?: string[] }) => ({
    include: f.include ?? ['**'],
    exclude: f.exclude ?? [],
    keep: f.keep ?? [],
  });
  const planWith = (
    f: Parameters<typeof filters>[0],
    local: string[],
    listed: string[],
    prefix = '',
  ) =>
    buildPlan(
      input(
        local.map((k) => file(k, 1)),
        [],
        remote(listed),
        {
          prefix,
          delete: { enabled: true, max: 1000 },
          unowned: unownedKeys(filters(f), prefix),
        },
      ),
    );
  const kept = (plan: ReturnType<typeof buildPlan>) =>
    plan.others
      .filter((i) => i.action === 'keep')
      .map((i) => [i.key, i.reason, i.detail ?? ''] as const);

  test('exclude protects remote keys; truly stale keys are deleted in the same plan', () => {
    const plan = planWith(
      { exclude: ['uploads/**'] },
      ['index.html'],
      ['index.html', 'uploads/user.jpg', 'old.js'],
    );
    expect(plan.deletes.map((i) => i.key)).toEqual(['old.js']);
    expect(kept(plan)).toEqual([['uploads/user.jpg', 'excluded', 'matches exclude uploads/**']]);
  });

  test('an exclude that names a folder protects everything below it, as the scan skips it', () => {
    const plan = planWith(
      { exclude: ['drafts', '**/.git'] },
      [],
      ['drafts/a/b.html', 'docs/.git/config', 'draftsman.html'],
    );
    expect(plan.deletes.map((i) => i.key)).toEqual(['draftsman.html']);
    expect(kept(plan)).toEqual([
      ['drafts/a/b.html', 'excluded', 'matches exclude drafts'],
      ['docs/.git/config', 'excluded', 'matches exclude **/.git'],
    ]);
  });

  test('a key that include does not match is not owned either', () => {
    const plan = planWith(
      { include: ['docs/**', '*.html'] },
      ['docs/a.html'],
      ['docs/a.html', 'docs/old.html', 'blog/post.html'],
    );
    expect(plan.deletes.map((i) => i.key)).toEqual(['docs/old.html']);
    expect(kept(plan)).toEqual([
      ['blog/post.html', 'excluded', 'matches no include glob (docs/**, *.html)'],
    ]);
  });

  test('keep protects keys with no local file, relative to the prefix; local files still upload', () => {
    const plan = planWith(
      { keep: ['uploads/**', 'legacy/**'] },
      ['site/uploads/new.jpg'],
      ['site/uploads/a.jpg', 'site/legacy/x/y.html', 'site/old.css', 'uploads/outside.jpg'],
      'site/',
    );
    expect(plan.assets.map((i) => [i.key, i.reason])).toEqual([['site/uploads/new.jpg', 'new']]);
    expect(plan.deletes.map((i) => i.key)).toEqual(['site/old.css']);
    expect(kept(plan)).toEqual([
      ['site/uploads/a.jpg', 'protected', 'matches keep uploads/**'],
      ['site/legacy/x/y.html', 'protected', 'matches keep legacy/**'],
    ]);
  });

  test('a share in max_delete is of the owned keys: kept keys cannot widen it', () => {
    // 2 local + 3 stale owned keys, 10 excluded uploads: 50% of 5 = 2 (of 15 it would be 7).
    const uploads = Array.from({ length: 10 }, (_, i) => `uploads/u${i}.jpg`);
    const plan = buildPlan(
      input([file('a', 1), file('b', 1)], [], remote(['a', 'b', 'x', 'y', 'z', ...uploads]), {
        delete: { enabled: true, max: { percent: 50 } },
        unowned: unownedKeys(filters({ exclude: ['uploads/**'] }), ''),
      }),
    );
    expect(plan.deletes).toEqual([]);
    expect(plan.others.find((i) => i.key === 'x')).toMatchObject({
      reason: 'over-max-delete',
      detail: '3 stale keys, max_delete 50% of 5 keys = 2',
    });
  });

  test('property: no key that exclude or keep matches, or include misses, is ever deleted', () => {
    const key = fc.stringMatching(/^[ab]{1,2}(\/[ab]{1,2}){0,2}$/);
    const glob = fc.constantFrom('a/**', 'b', '**/ab', 'a*', '*/b/**', 'ba/*');
    fc.assert(
      fc.property(
        fc.uniqueArray(key),
        fc.array(glob, { maxLength: 2 }),
        fc.array(glob, { maxLength: 2 }),
        fc.array(glob, { minLength: 1, maxLength: 2 }),
        (keys, exclude, keep, include) => {
          const plan = planWith({ exclude, keep, include }, [], keys);
          // picomatch itself as the oracle, not the code under test.
          const matches = (k: string, globs: string[]) =>
            picomatch.isMatch(k, globs, { dot: true });
          for (const { key: k } of plan.deletes) {
            expect(matches(k, exclude) || matches(k, keep) || !matches(k, include)).toBe(false);
          }
          expect(plan.deletes.length + kept(plan).length).toBe(keys.length);
        },
      ),
    );
  });
});
