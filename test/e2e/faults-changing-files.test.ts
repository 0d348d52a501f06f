/**
 * Files that change or vanish while a deploy runs (a build still writing, a cleanup job):
 * between the scan and the upload, between hashing and the upload, and while a big file's parts
 * are on the wire. Each must be detected and reported by name, never published with bytes the
 * plan did not decide on; the live version stays, no multipart upload stays open, and nothing
 * is deleted. A slow proxy (responses held 400 ms, one request at a time; or parts sent at
 * 4 MiB/s) makes the window wide enough to act in, deterministically.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, open, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FaultProxy } from '../support/fault-proxy.js';
import { checkBucket, recordCase, startCli, waitFor } from '../support/reliability.js';
import {
  createTestBucket,
  deleteTestBucket,
  makeTree,
  runCli,
  testGateway,
} from '../support/s3.js';

const MiB = 1024 * 1024;
/** Written by the deploy of v1 (no prefix), and by a deploy that changed anything since. */
const STATE_KEY = '.s3ship/state.json.gz';
let proxy: FaultProxy;
let dir: string;
const buckets: string[] = [];

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: testGateway().endpoint });
  dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-changing-'));
});

afterAll(async () => {
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
  for (const b of buckets) await deleteTestBucket(b);
});

function spec(source: string, bucket: string, endpoint: string, concurrency: number): string {
  return `version: 1
source: ${source}
target:
  bucket: ${bucket}
  endpoint: ${endpoint}
  region: us-east-1
delete: true
concurrency: ${concurrency}
multipart:
  threshold: 5MiB
  part_size: 5MiB
`;
}

/** v1 goes live straight to the gateway; v2 is written over it locally, ready to deploy. */
async function live(name: string, v1: Record<string, Buffer>, v2: Record<string, Buffer>) {
  const bucket = await createTestBucket(name);
  buckets.push(bucket);
  const source = path.join(dir, name);
  await makeTree(source, v1);
  const direct = path.join(dir, `${name}-direct.yml`);
  await writeFile(direct, spec(source, bucket, testGateway().endpoint, 4));
  const first = await runCli(['deploy', '-c', direct]);
  expect(first.code).toBe(0);
  await rm(source, { recursive: true });
  await makeTree(source, v2);
  const slow = path.join(dir, `${name}-slow.yml`);
  return { bucket, source, slow };
}

const firstPut = () => proxy.requests.some((q) => q.method === 'PUT');

describe('files that change or vanish during a deploy', () => {
  test('between scan, hashing and upload: each refused by name, the live version kept', async () => {
    const v1: Record<string, Buffer> = { 'index.html': Buffer.from('<p>v1</p>') };
    for (let i = 0; i < 6; i++) v1[`a/f${i}.js`] = Buffer.from(`v1 filler ${i}`);
    v1['zz/same-size.js'] = Buffer.from('version one, 24 bytes!!\n');
    v1['zz/vanish.js'] = Buffer.from('v1 vanish');
    v1['zz/grow.js'] = Buffer.from('v1 grow');
    v1['old.txt'] = Buffer.from('stale once v2 is live');
    const v2: Record<string, Buffer> = { ...v1, 'index.html': Buffer.from('<p>v2</p>') };
    delete v2['old.txt'];
    for (let i = 0; i < 6; i++) v2[`a/f${i}.js`] = Buffer.from(`v2 filler ${i}!`);
    v2['zz/same-size.js'] = Buffer.from('version two, 24 bytes!!\n'); // same size: hashed
    v2['zz/vanish.js'] = Buffer.from('v2 vanish, bigger');
    v2['zz/grow.js'] = Buffer.from('v2 grow, bigger');
    const { bucket, source, slow } = await live('small', v1, v2);
    await writeFile(slow, spec(source, bucket, proxy.endpoint, 1));

    proxy.reset(1);
    proxy.delayMs = 400;
    const cli = startCli(['deploy', '--json', '-c', slow]);
    await waitFor(firstPut, 30_000, 'the first upload');
    // the plan is made (the same-size file was hashed); now the files move under it
    await writeFile(path.join(source, 'zz/same-size.js'), 'version THREE 24 bytes!\n');
    await unlink(path.join(source, 'zz/vanish.js'));
    await appendFile(path.join(source, 'zz/grow.js'), ' and more');
    const run = await cli.done;
    proxy.delayMs = 0;

    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(lines.find((l) => l.includes('zz/same-size.js'))).toMatch(
      /changed between hashing and upload/,
    );
    expect(lines.find((l) => l.includes('zz/vanish.js'))).toMatch(/ENOENT/);
    expect(lines.find((l) => l.includes('zz/grow.js'))).toMatch(/changed since it was scanned/);
    // live versions kept: v1 for the three, v1 or v2 for the rest; nothing deleted
    const allowed = new Map<string, Buffer[]>();
    for (const [k, b] of Object.entries(v1)) allowed.set(k, [b]);
    for (const [k, b] of Object.entries(v2))
      if (!k.startsWith('zz/')) allowed.set(k, [...(allowed.get(k) ?? []), b]);
    allowed.set('index.html', [v1['index.html']!]); // entry documents wait for every asset
    const check = await checkBucket(bucket, allowed, Object.keys(v1), { state: [STATE_KEY] });
    expect(check.problems).toEqual([]);
    recordCase({
      group: 'Faults',
      klass: 'file changed or vanished between scan/hash and upload (3 files)',
      cases: 3,
      unit: 'files',
      did: 'exit 1; each named: "changed between hashing and upload", "cannot read … ENOENT", "changed since it was scanned"; live versions kept, entry page and deletes held back',
      verified: check.verified,
      lost: check.problems.length,
      openUploads: check.openUploads,
      test: 'faults-changing-files.test.ts › between scan, hashing and upload',
    });
  }, 120_000);

  test.each([
    ['rewritten in place', 'changed while being uploaded'],
    ['deleted', 'ENOENT'],
  ])(
    'a big file %s while its parts are on the wire',
    async (what, message) => {
      const v1 = { 'media/big.bin': randomBytes(16 * MiB) };
      const v2 = { 'media/big.bin': randomBytes(16 * MiB) }; // same size: the ETag decides
      const name = what === 'deleted' ? 'bigdel' : 'bigmod';
      const { bucket, source, slow } = await live(name, v1, v2);
      await writeFile(slow, spec(source, bucket, proxy.endpoint, 2));

      proxy.reset(2);
      proxy.uploadBytesPerSecond = 4 * MiB;
      const cli = startCli(['deploy', '-c', slow]);
      await waitFor(
        () => proxy.requests.some((q) => /partNumber=/.test(q.target) && q.end === undefined),
        30_000,
        'a part on the wire',
      );
      const file = path.join(source, 'media/big.bin');
      if (what === 'deleted') await unlink(file);
      else {
        const handle = await open(file, 'r+');
        await handle.write(randomBytes(4096), 0, 4096, 15 * MiB);
        await handle.close();
      }
      const run = await cli.done;
      proxy.uploadBytesPerSecond = 0;

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`error: .*media/big\\.bin.*${message}`));
      const check = await checkBucket(
        bucket,
        new Map([['media/big.bin', [v1['media/big.bin']]]]),
        ['media/big.bin'],
        { state: [STATE_KEY] },
      );
      expect(check.problems).toEqual([]); // v1 intact, no upload left open
      recordCase({
        group: 'Faults',
        klass: `16 MiB file ${what} while its parts were on the wire`,
        cases: 1,
        unit: 'file',
        did: `exit 1 naming media/big.bin ("${message}"); multipart upload aborted; live version kept`,
        verified: check.verified,
        lost: check.problems.length,
        openUploads: check.openUploads,
        test: `faults-changing-files.test.ts › a big file ${what} while its parts are on the wire`,
      });
    },
    120_000,
  );
});
