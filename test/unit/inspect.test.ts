/**
 * The inspector (src/inspect.ts) hands the plan one content record per file. The common
 * verdicts — new, and proven equal — share one frozen record per settings and verdict, so that
 * a no-change deploy of 200,000 files does not keep 200,000 records beside the plan's items;
 * a compressed file, whose upload size is its own, keeps a record of its own.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createInspector } from '../../src/inspect.js';
import { buildPlan } from '../../src/plan.js';
import type { LocalFile } from '../../src/scan.js';
import { tempTree, testConfig } from '../support/fixtures.js';
import { MemoryStore } from '../support/memory-store.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const texts: Record<string, string> = {
  'a.txt': 'alpha',
  'b.txt': 'bravo bravo',
  'c.txt': 'charlie, three times charlie',
  'app.js': 'export const x = 1;'.repeat(50),
};
let root: string;

beforeAll(async () => {
  root = await tempTree(texts);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const local = (relPath: string): LocalFile => ({
  relPath,
  key: relPath,
  root,
  size: Buffer.byteLength(texts[relPath]!),
  entry: false,
});

describe('content records', () => {
  const config = () => testConfig(root, { rules: [{ match: ['**/*.js'], compress: 'gzip' }] });

  test('unchanged files of the same settings share one frozen record; the plan still sizes each', async () => {
    const inspect = createInspector({ config: config(), store: new MemoryStore() });
    const files = ['a.txt', 'b.txt', 'c.txt'].map(local);
    const records = await Promise.all(
      files.map((f) => inspect(f, { key: f.key, size: f.size, etag: md5(texts[f.key]!) })),
    );
    expect(records[0]?.proven).toBe('');
    expect(records[1]).toBe(records[0]);
    expect(records[2]).toBe(records[0]);
    expect(Object.isFrozen(records[0])).toBe(true);
    const plan = buildPlan({
      files,
      content: new Map(files.map((f, i) => [f.key, records[i]!])),
      remote: new Map(),
      prefix: '',
      delete: { enabled: true, max: 10 },
      force: false,
    });
    expect(plan.others.map((i) => [i.key, i.action, i.size])).toEqual(
      files.map((f) => [f.key, 'skip', f.size]),
    );
    expect(plan.deletes).toEqual([]);
  });

  test('new files share one record too; a file that differs gets its own', async () => {
    const inspect = createInspector({ config: config(), store: new MemoryStore() });
    const [a, b, c] = ['a.txt', 'b.txt', 'c.txt'].map(local);
    const newA = await inspect(a!, undefined);
    expect(await inspect(b!, undefined)).toBe(newA);
    expect(newA.proven).toBeUndefined();
    const changed = await inspect(c!, { key: 'c.txt', size: c!.size, etag: md5('other') });
    expect(changed).not.toBe(newA);
    expect(changed.proven).toBeUndefined();
    expect(changed.digest?.md5).toBe(md5(texts['c.txt']!));
  });

  test('a compressed file keeps its own record with the size it uploads', async () => {
    const inspect = createInspector({ config: config(), store: new MemoryStore() });
    const js = local('app.js');
    const record = await inspect(js, { key: 'app.js', size: 1, etag: 'e' });
    expect(record.settings.compress).toBe('gzip');
    expect(record.uploadSize).toBeDefined();
    expect(record.uploadSize).toBeLessThan(js.size);
  });
});
