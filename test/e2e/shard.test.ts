/**
 * `--shard i/n` across n CI jobs, then one `s3ship prune`, against the real gateway: every key
 * is uploaded exactly once by exactly one shard, shards delete nothing, prune deletes exactly
 * the stale keys (under the prefix, nothing outside).
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createTestBucket,
  getObject,
  listKeys,
  logOffset,
  makeTree,
  putObject,
  readStoredState,
  requestsSince,
  runCli,
} from '../support/s3.js';

const endpoint = () => process.env.S3SHIP_TEST_ENDPOINT ?? '';

describe('sharded deploys', () => {
  test('3 shards upload each key exactly once; prune deletes exactly the stale keys', async () => {
    const files: Record<string, string> = { 'index.html': 'home' };
    for (let i = 0; i < 60; i++) files[`assets/f${i}.js`] = `f${i}`;
    const source = await makeTree(await mkdtemp(path.join(os.tmpdir(), 's3ship-shard-')), files);
    const bucket = await createTestBucket('shard');
    const stale = ['site/old-1.js', 'site/old/2.css'];
    for (const key of [...stale, 'elsewhere/keep.txt']) await putObject(bucket, key, 'x');
    const common = [
      '--source',
      source,
      '--bucket',
      bucket,
      '--prefix',
      'site/',
      '--endpoint',
      endpoint(),
      '--region',
      'us-east-1',
      '--delete',
      '--json',
    ];

    const mark = logOffset();
    const shards = await Promise.all(
      [1, 2, 3].map((i) => runCli(['deploy', ...common, '--shard', `${i}/3`])),
    );
    for (const shard of shards) expect(shard.code).toBe(0);
    const puts = (await requestsSince(mark)).filter(
      (r) => r.bucket === bucket && r.method === 'PUT',
    );
    const putKeys = puts.map((r) => decodeURIComponent(r.path.slice(bucket.length + 2)));
    // Each shard writes its part of the deploy state beside the site's keys.
    const parts = [1, 2, 3].map((i) => `site/.s3ship/state.json.gz.shard-${i}-of-3`);
    expect(putKeys.filter((k) => k.includes('/.s3ship/')).sort()).toEqual(parts);
    expect(putKeys.filter((k) => !k.includes('/.s3ship/')).sort()).toEqual(
      Object.keys(files)
        .map((k) => `site/${k}`)
        .sort(),
    ); // each once
    const reports = shards.map(
      (s) => JSON.parse(s.stdout) as { counts: { uploaded: number; deleted: number } },
    );
    expect(reports.reduce((n, r) => n + r.counts.uploaded, 0)).toBe(Object.keys(files).length);
    expect(reports.every((r) => r.counts.uploaded > 0 && r.counts.deleted === 0)).toBe(true);
    expect(await listKeys(bucket)).toEqual(expect.arrayContaining(stale));

    const prune = await runCli(['prune', ...common]);
    expect(prune.code).toBe(0);
    const pruned = JSON.parse(prune.stdout) as { counts: { uploaded: number; deleted: number } };
    expect(pruned.counts).toMatchObject({ uploaded: 0, deleted: 2 });
    // Prune merged the parts into one state and removed them.
    expect(await listKeys(bucket)).toEqual(
      [
        'elsewhere/keep.txt',
        'site/.s3ship/state.json.gz',
        ...Object.keys(files).map((k) => `site/${k}`),
      ].sort(),
    );
    const state = readStoredState((await getObject(bucket, 'site/.s3ship/state.json.gz')).body);
    expect(state.keys.sort()).toEqual(Object.keys(files).sort());

    // The merged state vouches for every object: a full deploy reads no object and writes nothing.
    const after = logOffset();
    const full = await runCli(['deploy', ...common]);
    expect(full.code).toBe(0);
    const requests = (await requestsSince(after)).filter((r) => r.bucket === bucket);
    expect(requests.map((r) => r.method).sort()).toEqual(['GET', 'GET']); // the state, the listing
  });
});
