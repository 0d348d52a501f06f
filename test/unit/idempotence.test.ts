/**
 * Properties of whole deploys against the in-memory store (fast-check generates the trees, the
 * rules and what the bucket already holds):
 * - after a deploy the prefix holds exactly the tree, byte for byte, and nothing outside the
 *   prefix changed;
 * - a deploy after a deploy plans nothing (no upload, no delete) — with precompression and with
 *   multipart objects too;
 * - changing one file makes the next deploy upload that file and nothing else.
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { DeployConfig } from '../../src/config.js';
import { run } from '../../src/deploy.js';
import { noWait, tempTree, testConfig } from '../support/fixtures.js';
import { MemoryStore } from '../support/memory-store.js';
import { recordCase } from '../support/reliability.js';

const segment = fc.constantFrom('a', 'b', 'c', 'docs', 'img', 'é', 'x y', '日本', '...', 'a..b');
const ext = fc.constantFrom('.html', '.js', '.css', '.txt', '.bin', '');
const relPath = fc
  .tuple(fc.array(segment, { minLength: 0, maxLength: 2 }), segment, ext)
  .map(([dirs, name, e]) => [...dirs, `${name}${e}`].join('/'));
/** Sizes around the (tiny, for speed) multipart threshold, and empty files. */
const body = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 64 }),
  fc.uint8Array({ minLength: 900, maxLength: 2500 }),
);

/** A tree: no path may be both a file and a folder. */
const tree = fc
  .uniqueArray(fc.tuple(relPath, body), { selector: ([p]) => p, maxLength: 12 })
  .map((entries) => {
    const files = new Map(entries.map(([p, b]) => [p, Buffer.from(b)]));
    for (const p of [...files.keys()]) {
      const parts = p.split('/');
      for (let i = 1; i < parts.length; i++) files.delete(parts.slice(0, i).join('/'));
    }
    return files;
  })
  .filter((files) => files.size > 0);

const scenario = fc.record({
  files: tree,
  prefix: fc.constantFrom('', 'site/', 'a/b/'),
  gzipJs: fc.boolean(),
  /** Objects the bucket holds before the first deploy: under the prefix or outside it. */
  before: fc.uniqueArray(fc.tuple(relPath, fc.boolean(), fc.uint8Array({ maxLength: 20 })), {
    selector: ([p, inside]) => `${inside}${p}`,
    maxLength: 5,
  }),
});

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

function config(source: string, prefix: string, gzipJs: boolean): DeployConfig {
  return testConfig(source, {
    target: { bucket: 'mem', prefix, region: undefined, endpoint: undefined, pathStyle: true },
    delete: { enabled: true, max: 100 },
    rules: gzipJs ? [{ match: ['**/*.js'], compress: 'gzip' }] : [],
    concurrency: 4,
    multipart: { threshold: 1024, partSize: 512 },
  });
}

const deploy = (store: MemoryStore, cfg: DeployConfig) =>
  run(
    { config: cfg, dryRun: false, force: false },
    { env: {}, emit: () => undefined, retry: noWait, createStore: () => store },
  );

let samples = 0;
let verified = 0;

describe('deploy properties (in-memory store)', () => {
  test('the prefix holds exactly the tree; a second deploy plans nothing; one edit, one upload', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ files, prefix, gzipJs, before }) => {
        samples++;
        const source = await tempTree(Object.fromEntries(files));
        try {
          const store = new MemoryStore();
          const outside = new Map<string, Buffer>();
          for (const [p, inside, b] of before) {
            const key = inside ? prefix + p : `other/${p}`;
            if (!inside || prefix !== '') outside.set(key, Buffer.from(b));
            store.objects.set(key, {
              body: Buffer.from(b),
              etag: md5(Buffer.from(b)),
              metadata: {},
            });
          }
          if (prefix === '') outside.clear(); // with no prefix, everything is inside
          const cfg = config(source, prefix, gzipJs);

          const first = await deploy(store, cfg);
          expect(first.outcomes?.filter((o) => o.status !== 'done')).toEqual([]);
          // exactly the tree under the prefix, byte for byte (gzip undone for .js)
          const under = [...store.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
          const expected = [...files.keys()].map((p) => prefix + p.normalize('NFC')).sort();
          const outsideKeys = [...outside.keys()].filter((k) => !k.startsWith(prefix));
          expect(under.filter((k) => !outsideKeys.includes(k))).toEqual(expected);
          for (const [p, b] of files) {
            const stored = store.objects.get(prefix + p.normalize('NFC'))!.body;
            const bytes = gzipJs && p.endsWith('.js') ? gunzipSync(stored) : stored;
            expect(bytes.equals(b)).toBe(true);
            verified++;
          }
          for (const [k, b] of outside) {
            if (!k.startsWith(prefix)) expect(store.objects.get(k)?.body.equals(b)).toBe(true);
          }

          const second = await deploy(store, cfg);
          expect(second.plan.assets.length + second.plan.entries.length).toBe(0);
          expect(second.plan.deletes).toEqual([]);

          const [victim, old] = [...files][0]!;
          await writeFile(path.join(source, victim), Buffer.concat([old, Buffer.from('!')]));
          const third = await deploy(store, cfg);
          const uploaded = [...third.plan.assets, ...third.plan.entries].map((i) => i.key);
          expect(uploaded).toEqual([prefix + victim.normalize('NFC')]);
          expect(third.plan.deletes).toEqual([]);
        } finally {
          await rm(source, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
    recordCase({
      group: 'Properties',
      klass: 'deploy → deploy plans nothing; prefix holds exactly the tree; one edit → one upload',
      cases: samples,
      unit: 'generated trees (fast-check)',
      did: 'first deploy: exact tree under the prefix, outside untouched; second: nothing planned; after one edit: that key only',
      verified,
      lost: 0,
      openUploads: 0,
      test: 'idempotence.test.ts › the prefix holds exactly the tree; a second deploy plans nothing',
    });
  }, 120_000);
});
