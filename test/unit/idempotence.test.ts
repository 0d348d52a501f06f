/**
 * Properties of whole deploys against the in-memory store (fast-check generates the trees, the
 * rules and what the bucket already holds):
 * - after a deploy the prefix holds exactly the tree, byte for byte, and nothing outside the
 *   prefix changed;
 * - a deploy after a deploy plans nothing and writes nothing (no upload, no settings update, no
 *   delete, no deploy state) — with precompression and with multipart objects too, and when the
 *   listing hands every key on twice;
 * - changing one file makes the next deploy upload that file and nothing else;
 * - key mapping: a path gets a key exactly when it can be one (then the key is the prefix plus
 *   the path, within 1,024 bytes), and is refused with a reason otherwise — never mis-keyed;
 * - spec parsing: any document, however mangled, gives a config or a SpecError, nothing else.
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { DeployConfig } from '../../src/config.js';
import { run } from '../../src/deploy.js';
import { SpecError } from '../../src/errors.js';
import { keyFor, MAX_KEY_BYTES } from '../../src/keys.js';
import { parseSpecText } from '../../src/spec/load.js';
import { noWait, tempTree, testConfig } from '../support/fixtures.js';
import { MemoryStore, siteKeys, writes } from '../support/memory-store.js';
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
  /** Listed in pages of two keys and cut into ranges of two local keys. */
  ranged: fc.boolean(),
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

const deploy = (store: MemoryStore, cfg: DeployConfig, keysPerRange?: number) =>
  run(
    { config: cfg, dryRun: false, force: false },
    {
      env: {},
      emit: () => undefined,
      retry: noWait,
      createStore: () => store,
      ...(keysPerRange ? { keysPerRange } : {}),
    },
  );

let samples = 0;
let verified = 0;

describe('deploy properties (in-memory store)', () => {
  test('the prefix holds exactly the tree; a second deploy plans nothing; one edit, one upload', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ files, prefix, gzipJs, ranged, before }) => {
        samples++;
        const source = await tempTree(Object.fromEntries(files));
        try {
          const store = new MemoryStore();
          if (ranged) {
            store.pageSize = 2;
            store.latencyMs = 1;
          }
          const ranges = ranged ? 2 : undefined;
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

          const first = await deploy(store, cfg, ranges);
          expect(first.outcomes?.filter((o) => o.status !== 'done')).toEqual([]);
          // exactly the tree under the prefix, byte for byte (gzip undone for .js)
          const under = siteKeys(store).filter((k) => k.startsWith(prefix));
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

          // From here on every listed key comes twice (a listing resumed on a store that
          // ignores start-after repeats keys): no decision may change, above all no delete.
          store.repeatsPages = true;
          const callsBefore = store.calls.length;
          const second = await deploy(store, cfg, ranges);
          expect(second.plan.assets.length + second.plan.entries.length).toBe(0);
          expect(second.plan.deletes).toEqual([]);
          expect(writes(store, callsBefore)).toEqual([]);

          const [victim, old] = [...files][0]!;
          await writeFile(path.join(source, victim), Buffer.concat([old, Buffer.from('!')]));
          const third = await deploy(store, cfg, ranges);
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

describe('key mapping (fast-check, any Unicode)', () => {
  test('a key exactly when the path can be one: prefix + path, never outside, never mangled', () => {
    const segment = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
      fc.string({ unit: 'binary', minLength: 0, maxLength: 6 }),
      fc.constantFrom('.', '..', '...', 'a..b', '\uFFFD', 'x\ny', '\u0007', 'é', 'e\u0301'),
      fc.string({ minLength: 200, maxLength: 400 }),
    );
    const prefix = fc.constantFrom('', 'site/', 'a/b/', `${'p'.repeat(1000)}/`);
    let runs = 0;
    let keyed = 0;
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), prefix, (segments, pre) => {
        runs++;
        const rel = segments.join('/');
        const posix = rel.normalize('NFC');
        const parts = posix.split('/');
        const valid =
          parts.every((p) => p !== '' && p !== '.' && p !== '..') &&
          !posix.includes('\uFFFD') &&
          // eslint-disable-next-line no-control-regex
          !/[\u0000-\u001f\u007f]/.test(posix) &&
          Buffer.byteLength(pre + posix, 'utf8') <= MAX_KEY_BYTES;
        const result = keyFor(pre, rel);
        expect(result.ok).toBe(valid);
        if (result.ok) {
          keyed++;
          expect(result.key.startsWith(pre)).toBe(true);
          expect(result.key.slice(pre.length)).toBe(posix);
        } else {
          expect(result.reason.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 3000 },
    );
    recordCase({
      group: 'Properties',
      klass:
        'key mapping: any Unicode path (`.`/`..` segments, control characters, invalid UTF-8, NFD, 1,000-byte prefix)',
      cases: runs,
      unit: 'generated paths (fast-check)',
      did: `${keyed} keyed as exactly prefix + NFC path within 1,024 bytes; the other ${runs - keyed} refused with a reason; never a key outside the prefix`,
      verified: 0,
      lost: 0,
      openUploads: 0,
      test: 'idempotence.test.ts › key mapping',
      verdict: 'no key outside the prefix, none mis-keyed',
    });
  });
});

describe('spec parsing (fast-check)', () => {
  test('any document, however mangled, gives a config or a SpecError — nothing else', () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(
        '${A}',
        '${NOPE}',
        '${A:-x}',
        '8MiB',
        '../x',
        'gzip',
        '*a',
        '&a x',
        '!!binary x',
      ),
    );
    const overrides = fc.dictionary(
      fc.constantFrom(
        'source',
        'target',
        'rules',
        'delete',
        'concurrency',
        'multipart',
        'credentials',
        'request_timeout',
        'x',
      ),
      value,
      { maxKeys: 3 },
    );
    // half the time a valid spec with a few keys replaced, so valid configs come out too
    const spec = fc
      .tuple(fc.boolean(), overrides)
      .map(([fromValid, o]) =>
        fromValid ? { version: 1, source: 'site', target: { bucket: 'my-bucket' }, ...o } : o,
      );
    /** A YAML rendering, then cut, duplicated or spliced at random: what a bad editor leaves. */
    const mangled = fc
      .tuple(spec, fc.nat(), fc.nat(), fc.constantFrom('cut', 'dup', 'tab', 'none', 'none'))
      .map(([doc, a, b, how]) => {
        const text = stringify(doc);
        const i = text.length ? a % text.length : 0;
        const j = text.length ? b % text.length : 0;
        if (how === 'cut') return text.slice(0, i);
        if (how === 'dup') return text.slice(0, i) + text.slice(j);
        if (how === 'tab') return text.replace(/\n {2}/g, '\n\t');
        return text;
      });
    let runs = 0;
    let specErrors = 0;
    fc.assert(
      fc.property(mangled, (text) => {
        runs++;
        try {
          parseSpecText(text, 's3ship.yml', { env: { A: 'a' }, cwd: '/tmp' });
        } catch (error) {
          if (!(error instanceof SpecError)) throw error;
          specErrors++;
          for (const p of error.problems) expect(p.message.length).toBeGreaterThan(5);
        }
      }),
      { numRuns: 2000 },
    );
    recordCase({
      group: 'Properties',
      klass: 'spec parsing: YAML renderings of random specs, cut, spliced or re-indented with tabs',
      cases: runs,
      unit: 'generated documents (fast-check)',
      did: `never crashed: ${specErrors} SpecErrors (each problem with a message), ${runs - specErrors} valid configs`,
      verified: 0,
      lost: 0,
      openUploads: 0,
      test: 'idempotence.test.ts › spec parsing',
      verdict: 'no crash',
    });
  });
});
