/**
 * Hostile and odd files in the source, deployed to the real gateway: each is either published
 * under exactly the key its name gives (inside the prefix, byte for byte) or skipped with a
 * line saying why — never silently dropped, never mis-keyed, never able to forge a log line.
 *
 * Unreadable files: the tests run as root, who reads a file whatever its mode, so that case runs
 * s3ship as user `nobody` (setpriv) over a tree nobody may traverse but not fully read.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkBucket, recordCase, startCli } from '../support/reliability.js';
import {
  createTestBucket,
  deleteTestBucket,
  headObject,
  makeTree,
  putObject,
  runCli,
  testGateway,
} from '../support/s3.js';

let dir: string;
const buckets: string[] = [];
/** Where s3ship keeps its deploy state for the prefix site/ (not site content). */
const STATE_KEY = 'site/.s3ship/state.json.gz';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-hostile-files-'));
  await chmod(dir, 0o755); // user nobody must be able to walk into it
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const b of buckets) await deleteTestBucket(b);
});

async function bucketWithSpec(name: string, source: string, extra = '') {
  const bucket = await createTestBucket(name);
  buckets.push(bucket);
  await putObject(bucket, 'outside.txt', 'outside the prefix');
  const spec = path.join(dir, `${name}.yml`);
  await writeFile(
    spec,
    `version: 1\nsource: ${source}\ntarget:\n  bucket: ${bucket}\n  prefix: site/\n  endpoint: ${testGateway().endpoint}\n  region: us-east-1\n${extra}`,
  );
  return { bucket, spec };
}

/** Entries that must be skipped, with the reason the warning must give. */
const SKIPPED: [RegExp, RegExp][] = [
  [/^passwd-link$/, /symlink to \/etc\/passwd, outside the source/],
  [/^up$/, /symlink to .*, outside the source/],
  [/^self$/, /symlink loop/],
  [/^loop$/, /symlink loop \(points back to a folder above it\)/],
  [/^dangling$/, /dangling symlink/],
  [/^fifo$/, /not a regular file/],
  [/^sock$/, /not a regular file/],
  [/^null-device$/, /not a regular file/],
  [/^"bad\ufffd\.txt"$/, /not valid UTF-8/],
  [/^"tab\\tname\.txt"$/, /control character/],
  [/^"bell\\u0007\.txt"$/, /control character/],
  [/^"new\\nline\.txt"$/, /control character/],
  [/^"x\\n::error::forged"$/, /control character/],
  [/^d{250}\/.*\/deep\.txt$/, /key would be \d+ bytes; S3 allows at most 1024/],
];

describe('hostile and odd files', () => {
  test('each is published under its exact key or skipped with a reason; no log line is forged', async () => {
    const source = path.join(dir, 'odd');
    const published: Record<string, Buffer> = {
      'a..b.txt': Buffer.from('two dots inside a name are just a name'),
      '...': Buffer.from('three dots'),
      '..\\..\\evil.txt': Buffer.from('backslashes are not separators on POSIX'),
      'empty.txt': Buffer.alloc(0),
      'unicode/日本語 ファイル.txt': Buffer.from('utf-8'),
      'sp ace/+plus&amp;%20.txt': Buffer.from('characters that need escaping in URLs'),
    };
    await makeTree(source, published);
    await symlink('a..b.txt', path.join(source, 'inside-link.txt'));
    published['inside-link.txt'] = published['a..b.txt']!;
    await symlink('/etc/passwd', path.join(source, 'passwd-link'));
    await symlink('../..', path.join(source, 'up'));
    await symlink('.', path.join(source, 'loop'));
    await symlink('self', path.join(source, 'self'));
    await symlink('nowhere', path.join(source, 'dangling'));
    spawnSync('mkfifo', [path.join(source, 'fifo')]);
    spawnSync('mknod', [path.join(source, 'null-device'), 'c', '1', '3']);
    const server = net.createServer().listen(path.join(source, 'sock'));
    for (const name of ['tab\tname.txt', 'bell\x07.txt', 'new\nline.txt', 'x\n::error::forged'])
      await writeFile(path.join(source, name), 'control');
    // Not valid UTF-8: the byte 0xff cannot start a character.
    writeFileSync(
      Buffer.concat([Buffer.from(`${source}/bad`), Buffer.from([0xff]), Buffer.from('.txt')]),
      'x',
    );
    let deep = source;
    for (const c of 'defgh') deep = path.join(deep, c.repeat(250));
    await mkdir(deep, { recursive: true });
    await writeFile(path.join(deep, 'deep.txt'), 'too deep for a key');

    const { bucket, spec } = await bucketWithSpec('odd', source);
    const run = await runCli(['deploy', '-c', spec]);
    server.close();
    expect(run.code).toBe(0);

    const skipped = [...run.stderr.matchAll(/^warning: skipped (.*?): (.*)$/gm)].map((m) => ({
      name: m[1]!,
      reason: m[2]!,
    }));
    for (const [name, reason] of SKIPPED) {
      const line = skipped.find((s) => name.test(s.name));
      expect({ name: String(name), line: line?.reason }).toEqual({
        name: String(name),
        line: expect.stringMatching(reason),
      });
    }
    expect(skipped).toHaveLength(SKIPPED.length);
    // Every line is s3ship's own: no raw control character, no line a file name started.
    const lines = (run.stdout + run.stderr).split('\n');
    expect(lines.filter((l) => l.startsWith('::'))).toEqual([]);
    // eslint-disable-next-line no-control-regex
    expect(run.stdout + run.stderr).not.toMatch(/[\t\x07]/);

    const expected = new Map(Object.entries(published).map(([k, b]) => [`site/${k}`, [b]]));
    expected.set('outside.txt', [Buffer.from('outside the prefix')]);
    const check = await checkBucket(bucket, expected, expected.keys(), { state: [STATE_KEY] });
    expect(check.problems).toEqual([]);
    const empty = await headObject(bucket, 'site/empty.txt');
    expect(empty.etag).toBe(`"${createHash('md5').update('').digest('hex')}"`);
    recordCase({
      group: 'Hostile input',
      klass:
        'odd names: `..` inside names, `...`, backslashes, spaces and URL characters, Unicode, zero-byte file, symlink inside the tree',
      cases: Object.keys(published).length,
      unit: 'files',
      did: 'published under exactly prefix + name, byte for byte (empty file: ETag of no bytes); object outside the prefix untouched',
      verified: check.verified,
      lost: check.problems.length,
      openUploads: check.openUploads,
      test: 'hostile-files.test.ts › each is published under its exact key or skipped',
    });
    recordCase({
      group: 'Hostile input',
      klass:
        'symlinks out of the source (absolute, `../..`), symlink loops, dangling symlink, FIFO, socket, device, non-UTF-8 name, control characters (incl. a forged `::error::` line), key over 1,024 bytes',
      cases: SKIPPED.length,
      unit: 'entries',
      did: `each skipped with one warning naming it (control characters escaped, so no forged log line) and why; deploy exit 0`,
      verified: 0,
      lost: 0,
      openUploads: 0,
      test: 'hostile-files.test.ts › each is published under its exact key or skipped',
      verdict: 'none published, every one named',
    });
  }, 120_000);

  test('unreadable file and folder (run as nobody): refused by name, nothing else lost', async () => {
    const source = path.join(dir, 'perm');
    await makeTree(source, {
      'index.html': '<p>entry</p>',
      'ok.txt': 'readable',
      'locked.txt': 'mode 000',
      'closed/inside.txt': 'in a mode-000 folder',
    });
    await chmod(path.join(source, 'locked.txt'), 0o000);
    await chmod(path.join(source, 'closed'), 0o000);
    // max_delete 1: the stale key is the only one under the prefix, and the default (half of
    // them) would keep it whatever happened; here only the failed upload may keep it.
    const { bucket, spec } = await bucketWithSpec('perm', source, 'delete: true\nmax_delete: 1\n');
    await putObject(bucket, 'site/stale.txt', 'stale');
    await chmod(spec, 0o644);
    const cli = startCli(['deploy', '-c', spec], { HOME: '/nonexistent' }, { asNobody: true });
    const run = await cli.done;
    await chmod(path.join(source, 'closed'), 0o755);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^warning: skipped closed: folder cannot be read \(EACCES\)$/m);
    expect(run.stderr).toMatch(/^error: Upload of locked\.txt failed: .*EACCES/m);
    // ok.txt published; the entry page and the delete wait for every asset
    const allowed = new Map([
      ['site/ok.txt', [Buffer.from('readable')]],
      ['site/stale.txt', [Buffer.from('stale')]],
      ['outside.txt', [Buffer.from('outside the prefix')]],
    ]);
    // The deploy state is written after failed uploads too: it records what did go up.
    const check = await checkBucket(bucket, allowed, allowed.keys(), { state: [STATE_KEY] });
    expect(check.problems).toEqual([]);
    recordCase({
      group: 'Hostile input',
      klass:
        'unreadable file and unreadable folder (s3ship run as user nobody; root reads mode 000)',
      cases: 2,
      unit: 'entries',
      did: 'folder skipped with "folder cannot be read (EACCES)"; file refused: "Upload of locked.txt failed: … EACCES", exit 1; entry page and deletes held back',
      verified: check.verified,
      lost: check.problems.length,
      openUploads: check.openUploads,
      test: 'hostile-files.test.ts › unreadable file and folder (run as nobody)',
    });
  }, 120_000);

  test('100,000 files in one folder: every key planned exactly, none lost or doubled', async () => {
    const source = path.join(dir, 'many', 'flat');
    await mkdir(source, { recursive: true });
    const N = 100_000;
    const names: string[] = [];
    for (let i = 0; i < N; i++) {
      const name = i % 1000 === 0 ? `fichier-${i}-été.txt` : `f-${i}.txt`;
      names.push(name);
      writeFileSync(path.join(source, name), '');
    }
    const { spec } = await bucketWithSpec('many', path.dirname(source));
    const t0 = Date.now();
    // A plan lists the bucket and scans every file; uploading 100k objects would flood the
    // gateway other engineers share, and the keys are decided here.
    const run = await runCli(['plan', '--json', '-c', spec], { timeoutMs: 300_000 });
    const seconds = (Date.now() - t0) / 1000;
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { items: { key: string; action: string }[] };
    const keys = report.items.filter((i) => i.action === 'upload').map((i) => i.key);
    expect(keys).toHaveLength(N);
    expect(new Set(keys).size).toBe(N);
    const want = new Set(names.map((n) => `site/flat/${n}`));
    expect(keys.filter((k) => !want.has(k))).toEqual([]);
    expect(run.stderr).not.toMatch(/warning: skipped/);
    recordCase({
      group: 'Hostile input',
      klass: '100,000 files in one folder',
      cases: N,
      unit: 'files',
      did: `planned in ${seconds.toFixed(1)} s (scan + listing + plan, real gateway): ${N.toLocaleString('en-US')} distinct keys, each exactly prefix + name; none skipped (not uploaded: the gateway is shared)`,
      verified: 0,
      lost: N - keys.filter((k) => want.has(k)).length,
      openUploads: 0,
      test: 'hostile-files.test.ts › 100,000 files in one folder',
      verdict: `${N.toLocaleString('en-US')} planned keys checked, none lost or doubled`,
    });
  }, 300_000);
});
