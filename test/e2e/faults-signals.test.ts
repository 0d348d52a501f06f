/**
 * SIGINT / SIGTERM in the middle of a deploy (a CI job cancelled, a runner shutting down):
 * parts are on the wire through a slow link when the signal lands. The process must stop
 * starting work, abort its open multipart uploads, print what it did, and exit 130 — leaving
 * no upload open, no partial object, no entry document published ahead of its assets, and
 * nothing deleted.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FaultProxy } from '../support/fault-proxy.js';
import { checkBucket, recordCase, startCli, waitFor } from '../support/reliability.js';
import {
  createTestBucket,
  deleteTestBucket,
  makeTree,
  objectExists,
  putObject,
  testGateway,
} from '../support/s3.js';

const MiB = 1024 * 1024;
let proxy: FaultProxy;
const buckets: string[] = [];
let dir: string;

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: testGateway().endpoint });
  dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-signals-'));
});

afterAll(async () => {
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
  for (const b of buckets) await deleteTestBucket(b);
});

const STALE = 'site/stale.txt';

async function setup(name: string) {
  const bucket = await createTestBucket(name);
  buckets.push(bucket);
  // The only key under the prefix: max_delete 1 lets it go (the default, half of the keys
  // there, would keep it), so only an unfinished deploy can be what keeps it.
  await putObject(bucket, STALE, 'stale, and must stay: the deploy never finished');
  const files: Record<string, Buffer> = {
    'index.html': Buffer.from('<!doctype html><title>entry</title>'),
    'media/one.bin': randomBytes(16 * MiB),
    'media/two.bin': randomBytes(16 * MiB + 777),
  };
  for (let i = 0; i < 20; i++) files[`assets/a${i}.js`] = randomBytes(500 + i);
  const source = await makeTree(path.join(dir, name), files);
  const spec = path.join(dir, `${name}.yml`);
  await writeFile(
    spec,
    `version: 1
source: ${source}
target:
  bucket: ${bucket}
  prefix: site/
  endpoint: ${proxy.endpoint}
  region: us-east-1
delete: true
max_delete: 1
concurrency: 4
multipart:
  threshold: 5MiB
  part_size: 5MiB
`,
  );
  return { bucket, spec, files };
}

describe.each(['SIGINT', 'SIGTERM'] as const)('%s during a deploy', (signal) => {
  test(`aborts the multipart uploads in flight, prints a summary, exits 130`, async () => {
    const { bucket, spec, files } = await setup(signal.toLowerCase());
    proxy.reset(1);
    proxy.uploadBytesPerSecond = 4 * MiB; // a 5 MiB part takes over a second
    const cli = startCli(['deploy', '-c', spec]);
    await waitFor(
      () =>
        proxy.requests.some(
          (q) => q.method === 'PUT' && /partNumber=/.test(q.target) && q.end === undefined,
        ),
      30_000,
      'a part on the wire',
    );
    await new Promise((r) => setTimeout(r, 300));
    const partsInFlight = proxy.requests.filter(
      (q) => /partNumber=/.test(q.target) && q.end === undefined,
    ).length;
    cli.child.kill(signal);
    const run = await cli.done;
    proxy.uploadBytesPerSecond = 0;

    expect(run.code).toBe(130);
    expect(run.stderr).toContain(`${signal}: stopping`);
    // the summary of what was done, as the last word
    expect(run.stdout).toMatch(/uploaded \d+ .*not run/);
    // the process waited for its aborts: nothing is open the moment it has exited
    const allowed = new Map(Object.entries(files).map(([k, b]) => [`site/${k}`, [b]]));
    allowed.set(STALE, [Buffer.from('stale, and must stay: the deploy never finished')]);
    const check = await checkBucket(bucket, allowed, [STALE]);
    expect(check.problems).toEqual([]);
    // entry documents wait for every asset: the page never links to a missing file
    expect(await objectExists(bucket, 'site/index.html')).toBe(false);
    const aborted = proxy.requests.filter(
      (q) => q.method === 'DELETE' && /uploadId=/.test(q.target),
    ).length;
    expect(aborted).toBeGreaterThan(0);
    recordCase({
      group: 'Faults',
      klass: `${signal} with ${partsInFlight} part(s) on the wire`,
      cases: 1,
      unit: 'deploy',
      did: `exit 130 with the summary "${/uploaded .*not run/.exec(run.stdout)?.[0] ?? ''}"; ${aborted} multipart upload(s) aborted before exiting; entry document not published; stale key kept`,
      verified: check.verified,
      lost: check.problems.length,
      openUploads: check.openUploads,
      test: `faults-signals.test.ts › ${signal} during a deploy`,
    });
  }, 120_000);
});
