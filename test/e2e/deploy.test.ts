/**
 * Issue 2's promises, end to end: dist/cli.js against the real Ceph gateway (SigV4 checked,
 * real multipart). PUT counts come from the gateway's own access log, not from s3ship: the
 * site's PUTs apart from the deploy state's (one more PUT for a deploy that changed anything).
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  awsCli,
  isStateKey,
  logOffset,
  requestKey,
  requestsSince,
  createTestBucket,
  getObject,
  headObject,
  listKeys,
  makeTree,
  putObject,
  runCli,
  siteKeys,
} from '../support/s3.js';

const MiB = 1024 * 1024;

interface Report {
  counts: {
    uploaded: number;
    skipped: number;
    deleted: number;
    failed: number;
    notRun: number;
    kept: number;
  };
  items: { key: string; action: string; reason: string; status?: string; detail?: string }[];
}

/**
 * Runs `s3ship deploy --json` and returns the parsed report, the exit code, the requests the
 * gateway logged for `bucket` (the gateway is shared by parallel test files) as `METHOD key`
 * sorted (the listing's key: `(bucket)`), and of them the PUTs: `puts` of the site's content,
 * `statePuts` of the deploy state.
 */
async function deploy(bucket: string, args: string[], env?: Record<string, string | undefined>) {
  const mark = logOffset();
  const result = await runCli(['deploy', '--json', ...args], env ? { env } : {});
  const logged = (await requestsSince(mark)).filter((r) => r.bucket === bucket);
  const puts = logged.filter((r) => r.method === 'PUT' && !isStateKey(requestKey(r))).length;
  const statePuts = logged.filter((r) => r.method === 'PUT' && isStateKey(requestKey(r))).length;
  const requests = logged.map((r) => `${r.method} ${requestKey(r) || '(bucket)'}`).sort();
  let report: Report | undefined;
  try {
    report = JSON.parse(result.stdout) as Report;
  } catch {
    report = undefined;
  }
  return { ...result, report, puts, statePuts, requests };
}

function site(): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {
    'index.html': '<!doctype html><title>home</title>',
    'docs/index.html': '<!doctype html><title>docs</title>',
    'assets/app.js': 'console.log("app");\n',
    'assets/style.css': 'body { color: #333 }\n',
    'img/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]),
    '.well-known/security.txt': 'Contact: mailto:sec@example.com\n',
  };
  for (let i = 0; i < 40; i++)
    files[`assets/chunk-${i}.js`] = `export const n = ${i};\n`.padEnd(200, ' ');
  return files;
}

interface SpecOptions {
  prefix?: string;
  /** More rule items (YAML list entries, indented by two spaces). */
  rules?: string;
  /** More top-level keys. */
  extra?: string;
}

function specText(source: string, bucket: string, options: SpecOptions = {}): string {
  return `version: 1
source: ${source}
target:
  bucket: ${bucket}
  endpoint: ${endpoint}
  region: us-east-1
${options.prefix ? `  prefix: ${options.prefix}\n` : ''}rules:
  - match: "**"
    cache_control: "public, max-age=300"
  - match: "assets/**"
    cache_control: "public, max-age=31536000, immutable"
  - match: "**/*.html"
    cache_control: no-cache
${options.rules ?? ''}${options.extra ?? ''}`;
}

let endpoint: string;
beforeAll(() => {
  endpoint = process.env.S3SHIP_TEST_ENDPOINT ?? '';
  expect(endpoint).toMatch(/^http/);
});

async function siteWithSpec(files = site(), options: SpecOptions = {}) {
  const bucket = await createTestBucket('site');
  const dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-e2e-'));
  const source = path.join(dir, 'public');
  await makeTree(source, files);
  const spec = path.join(dir, 's3ship.yml');
  await writeFile(spec, specText(source, bucket, options));
  return {
    bucket,
    source,
    spec,
    files,
    writeSpec: (o: SpecOptions) => writeFile(spec, specText(source, bucket, o)),
  };
}

describe('deploy to the real gateway', () => {
  test('first deploy uploads every file, byte-identical, with the headers the rules set', async () => {
    const { bucket, spec, files } = await siteWithSpec();
    const first = await deploy(bucket, ['-c', spec]);
    expect(first.code).toBe(0);
    expect(first.report?.counts.uploaded).toBe(Object.keys(files).length);
    expect(first.puts).toBe(Object.keys(files).length);
    expect(first.statePuts).toBe(1);
    expect(await siteKeys(bucket)).toEqual(Object.keys(files).sort());
    for (const [key, content] of Object.entries(files)) {
      const object = await getObject(bucket, key);
      expect(object.body.equals(Buffer.from(content))).toBe(true);
    }
    const html = await getObject(bucket, 'index.html');
    expect(html.contentType).toBe('text/html; charset=utf-8');
    expect(html.cacheControl).toBe('no-cache');
    const js = await getObject(bucket, 'assets/app.js');
    expect(js.contentType).toMatch(/^(text|application)\/javascript/);
    expect(js.cacheControl).toBe('public, max-age=31536000, immutable');
    expect((await getObject(bucket, 'img/logo.png')).cacheControl).toBe('public, max-age=300');
    // Entry documents went last.
    const order = first.report!.items.filter((i) => i.action === 'upload').map((i) => i.key);
    expect(order.slice(-2).sort()).toEqual(['docs/index.html', 'index.html']);
  });

  test('after touching every file (new mtimes, same bytes) a deploy uploads nothing', async () => {
    const { bucket, source, spec, files } = await siteWithSpec();
    expect((await deploy(bucket, ['-c', spec])).code).toBe(0);
    const later = new Date(Date.now() + 3600_000);
    for (const rel of Object.keys(files)) await utimes(path.join(source, rel), later, later);
    const second = await deploy(bucket, ['-c', spec]);
    expect(second.code).toBe(0);
    expect(second.puts).toBe(0);
    expect(second.statePuts).toBe(0);
    // The deploy state vouches for every object: it and the listing are all that is read.
    expect(second.requests).toEqual(['GET (bucket)', 'GET .s3ship/state.json.gz']);
    expect(second.report?.counts).toMatchObject({
      uploaded: 0,
      skipped: Object.keys(files).length,
    });
  });

  test('a same-size one-byte edit uploads exactly that file', async () => {
    const { bucket, source, spec } = await siteWithSpec();
    await deploy(bucket, ['-c', spec]);
    const file = path.join(source, 'assets/style.css');
    const before = await readFile(file, 'utf8');
    await writeFile(file, before.replace('#333', '#334'));
    const second = await deploy(bucket, ['-c', spec]);
    expect(second.puts).toBe(1);
    expect(second.statePuts).toBe(1);
    expect(second.report?.items.filter((i) => i.action === 'upload')).toEqual([
      expect.objectContaining({ key: 'assets/style.css', reason: 'changed' }),
    ]);
    expect((await getObject(bucket, 'assets/style.css')).body.toString()).toContain('#334');
  });

  test('a file above the multipart threshold goes up in parts; a second deploy uploads nothing; a one-byte edit is found', async () => {
    // 40 MiB: past the size whose parts are hashed on worker threads (hash-pool.ts).
    const big = Buffer.alloc(40 * MiB);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const { bucket, spec, source } = await siteWithSpec(
      { 'big.bin': big, 'index.html': 'x' },
      { extra: 'multipart:\n  threshold: 8MiB\n  part_size: 5MiB\n' },
    );
    const first = await deploy(bucket, ['-c', spec]);
    expect(first.code).toBe(0);
    expect((await headObject(bucket, 'big.bin')).etag).toMatch(/-8"?$/);
    expect((await getObject(bucket, 'big.bin')).body.equals(big)).toBe(true);
    const second = await deploy(bucket, ['-c', spec]);
    expect(second.puts).toBe(0);
    expect(second.statePuts).toBe(0);
    expect(second.report?.counts.uploaded).toBe(0);
    // The deploy state vouches for both objects: nothing is read but the state and the listing.
    expect(second.requests).toEqual(['GET (bucket)', 'GET .s3ship/state.json.gz']);
    // Same size, one byte changed in the seventh part: only a part hash can tell.
    big[33 * MiB + 5] = 0xff;
    await writeFile(path.join(source, 'big.bin'), big);
    const third = await deploy(bucket, ['-c', spec]);
    expect(third.report?.items.filter((i) => i.action === 'upload')).toEqual([
      expect.objectContaining({ key: 'big.bin', reason: 'changed' }),
    ]);
    expect(third.puts).toBe(8);
    expect(third.statePuts).toBe(1);
    expect((await getObject(bucket, 'big.bin')).body.equals(big)).toBe(true);
  });

  test('objects uploaded in parts by the aws CLI (8 MiB default, and 6 MiB) are recognised as unchanged', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-awscli-'));
    const a = Buffer.alloc(20 * MiB, 'a');
    const b = Buffer.alloc(30 * MiB + 17, 'b');
    await makeTree(dir, { 'a.bin': a, 'b.bin': b });
    const bucket = await createTestBucket('awscli');
    await awsCli(['s3', 'cp', path.join(dir, 'a.bin'), `s3://${bucket}/a.bin`]);
    const config = path.join(await mkdtemp(path.join(os.tmpdir(), 's3ship-awsconf-')), 'config');
    await writeFile(config, '[default]\ns3 =\n  multipart_chunksize = 6MB\n');
    await awsCli(['s3', 'cp', path.join(dir, 'b.bin'), `s3://${bucket}/b.bin`], {
      AWS_CONFIG_FILE: config,
    });
    expect((await headObject(bucket, 'a.bin')).etag).toMatch(/-3"?$/); // 8 MiB parts
    expect((await headObject(bucket, 'b.bin')).etag).toMatch(/-6"?$/); // 6 MiB parts
    const args = [
      '--source',
      dir,
      '--bucket',
      bucket,
      '--endpoint',
      endpoint,
      '--region',
      'us-east-1',
    ];
    const result = await deploy(bucket, args);
    expect(result.code).toBe(0);
    expect(result.puts).toBe(0);
    expect(result.report?.items.map((i) => [i.key, i.reason])).toEqual([
      ['a.bin', 'unchanged'],
      ['b.bin', 'unchanged'],
    ]);
    // Without a deploy state both were read; what was learned is written to one...
    expect(result.stderr).toContain(`no deploy state at s3://${bucket}/.s3ship/state.json.gz`);
    expect(result.statePuts).toBe(1);
    // ...so the next deploy has nothing new to say and writes nothing.
    const again = await deploy(bucket, args);
    expect(again.code).toBe(0);
    expect([again.puts, again.statePuts]).toEqual([0, 0]);
    expect(again.stderr).not.toContain('no deploy state');
  });

  test('keys with spaces, +, %, #, ? and non-ASCII letters round-trip', async () => {
    const names = [
      'a b.txt',
      'c+d.txt',
      '100%.txt',
      'e#f.txt',
      'q?.txt',
      'straße/naïve café.txt',
      '日本語.txt',
    ];
    const files = Object.fromEntries(names.map((n) => [n, `content of ${n}`]));
    const { bucket, spec } = await siteWithSpec(files);
    expect((await deploy(bucket, ['-c', spec])).code).toBe(0);
    expect(await siteKeys(bucket)).toEqual([...names].sort());
    for (const n of names)
      expect((await getObject(bucket, n)).body.toString()).toBe(`content of ${n}`);
    const again = await deploy(bucket, ['-c', spec]);
    expect([again.puts, again.statePuts]).toEqual([0, 0]);
  });
});

describe('--delete', () => {
  /**
   * A site deployed under prefix site/, then stale keys inside the prefix (2 of 6 there: under
   * the default max_delete of half) and look-alikes outside it.
   */
  async function withStale(rules = '') {
    const ctx = await siteWithSpec(
      { 'index.html': 'home', 'a.js': 'a', 'b.js': 'b', 'c.css': 'c' },
      { prefix: 'site/', rules },
    );
    expect((await deploy(ctx.bucket, ['-c', ctx.spec])).code).toBe(0);
    for (const key of ['site/old.js', 'site/older/x.css', 'other/keep.txt', 'sitemap.xml', 'site'])
      await putObject(ctx.bucket, key, 'x');
    return ctx;
  }

  test('removes exactly the stale keys under the prefix and nothing outside it', async () => {
    const { bucket, spec } = await withStale();
    const result = await deploy(bucket, ['-c', spec, '--delete']);
    expect(result.code).toBe(0);
    expect(result.report?.counts.deleted).toBe(2);
    expect(await siteKeys(bucket)).toEqual([
      'other/keep.txt',
      'site',
      'site/a.js',
      'site/b.js',
      'site/c.css',
      'site/index.html',
      'sitemap.xml',
    ]);
  });

  test('is off unless asked: stale keys are kept', async () => {
    const { bucket, spec } = await withStale();
    const result = await deploy(bucket, ['-c', spec]);
    expect(result.report?.counts).toMatchObject({ deleted: 0, kept: 2 });
    expect(await listKeys(bucket, 'site/')).toContain('site/old.js');
  });

  test('max_delete is honoured: more stale keys than allowed → none deleted', async () => {
    const { bucket, spec } = await withStale();
    const result = await deploy(bucket, ['-c', spec, '--delete', '--max-delete', '1']);
    expect(result.report?.counts).toMatchObject({ deleted: 0, kept: 2 });
    expect(
      result.report?.items
        .filter((i) => i.action === 'keep')
        .every((i) => i.reason === 'over-max-delete'),
    ).toBe(true);
    expect(await listKeys(bucket, 'site/')).toEqual(
      expect.arrayContaining(['site/old.js', 'site/older/x.css']),
    );
  });

  test('deletes nothing when an upload failed', async () => {
    // The gateway refuses a storage class it does not have: a real, reproducible upload failure.
    const { bucket, spec, source } = await withStale(
      '  - match: "cold.bin"\n    storage_class: DEEP_ARCHIVE\n',
    );
    await writeFile(path.join(source, 'cold.bin'), 'archive me');
    const result = await deploy(bucket, ['-c', spec, '--delete']);
    expect(result.code).not.toBe(0);
    expect(result.report?.counts.deleted).toBe(0);
    expect(await listKeys(bucket, 'site/')).toEqual(
      expect.arrayContaining(['site/old.js', 'site/older/x.css']),
    );
  });
});

describe('errors are one line with the cause and the fix', () => {
  test('a wrong secret key', async () => {
    const { spec } = await siteWithSpec({ 'a.txt': 'a' });
    const result = await runCli(['deploy', '-c', spec], {
      env: { AWS_SECRET_ACCESS_KEY: 'wrong-secret-0000000000000000000000000000' },
    });
    expect(result.code).toBe(3);
    // A plain gateway says SignatureDoesNotMatch; Ceph with STS enabled (ours) says AccessDenied
    // for the same thing. Either way the one line must name the wrong secret and the fix.
    expect(result.stderr).toMatch(
      /(SignatureDoesNotMatch|AccessDenied).*secret access key is wrong.*fix: (set|check) AWS_SECRET_ACCESS_KEY/,
    );
    expect(result.stderr + result.stdout).not.toContain(
      'wrong-secret-0000000000000000000000000000',
    );
  });

  test('a missing bucket', async () => {
    const source = await mkdtemp(path.join(os.tmpdir(), 's3ship-nobucket-'));
    await writeFile(path.join(source, 'a.txt'), 'a');
    const result = await runCli([
      'deploy',
      '--source',
      source,
      '--bucket',
      'no-such-bucket-s3ship',
      '--endpoint',
      endpoint,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /NoSuchBucket.*"no-such-bucket-s3ship" does not exist.*fix: create it/,
    );
  });

  test('a malformed spec: exit 2, every problem positioned, nothing sent', async () => {
    const { spec, source, bucket } = await siteWithSpec({ 'a.txt': 'a' });
    await writeFile(
      spec,
      `version: 1\nsource: ${source}\ntarget:\n  bukcet: ${bucket}\nconcurrency: lots\n`,
    );
    const mark = logOffset();
    const result = await runCli(['deploy', '-c', spec]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /s3ship\.yml:4:3: target\.bukcet: unknown key "bukcet"; did you mean "bucket"\?/,
    );
    expect(result.stderr).toMatch(/s3ship\.yml:5:14: concurrency: .*integer/);
    expect((await requestsSince(mark)).filter((r) => r.bucket === bucket)).toEqual([]);
  });
});
