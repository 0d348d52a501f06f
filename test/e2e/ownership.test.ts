/**
 * The delete guards, end to end: dist/cli.js against the real Ceph gateway. Keys the spec does
 * not own (exclude, include, keep) are never deleted; an empty source with deletes on is
 * refused with nothing sent; max_delete as a share holds; shards and prune keep to all of it.
 * What reached the store is read from the gateway's own access log, not from s3ship.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  isStateKey,
  listKeys,
  logOffset,
  putObject,
  requestKey,
  requestsSince,
  runCli,
  siteKeys,
} from '../support/s3.js';
import { specSite, type SpecSite } from '../support/spec-site.js';

interface Report {
  counts: { uploaded: number; deleted: number; kept: number; notOwned: number };
  items: { key: string; action: string; reason: string; detail?: string }[];
}

const FIVE = {
  'index.html': '<!doctype html><title>home</title>',
  'a.js': 'a',
  'b.css': 'b',
  'c.txt': 'c',
  'docs/index.html': '<!doctype html><title>docs</title>',
};

/** A site deployed under site/ with `extra` spec keys; what s3ship put there is its 5 files. */
async function deployedSite(name: string, extra = ''): Promise<SpecSite> {
  const site = await specSite(name, FIVE, { prefix: 'site/', extra });
  const first = await runCli(['deploy', '-c', site.spec]);
  expect(first.code).toBe(0);
  return site;
}

const deployedKeys = Object.keys(FIVE).map((k) => `site/${k}`);

/** `deploy --json …`: the exit code, the report and what reached the bucket besides reads. */
async function deploy(site: SpecSite, args: string[]) {
  const mark = logOffset();
  const run = await runCli(['deploy', '-c', site.spec, '--json', ...args]);
  const writes = (await requestsSince(mark)).filter(
    (r) => r.bucket === site.bucket && ['PUT', 'POST', 'DELETE'].includes(r.method),
  );
  let report: Report | undefined;
  try {
    report = JSON.parse(run.stdout) as Report;
  } catch {
    report = undefined;
  }
  return { ...run, report, writes };
}

const reasonOf = (report: Report | undefined, key: string) =>
  report?.items.find((i) => i.key === key);

describe('keys the spec does not own survive --delete', () => {
  test('exclude and keep protect remote keys; the truly stale key goes in the same run', async () => {
    const site = await deployedSite('own-keep', "exclude: ['uploads/**']\nkeep: ['legacy/**']\n");
    const spared = [
      'site/uploads/user.jpg',
      'site/uploads/2024/avatar.png',
      'site/legacy/old.html',
    ];
    for (const key of [...spared, 'site/stale.js', 'elsewhere/x.txt'])
      await putObject(site.bucket, key, 'not from this source');

    const result = await deploy(site, ['--delete']);
    expect(result.code).toBe(0);
    expect(result.report?.counts).toMatchObject({ deleted: 1, kept: 0, notOwned: 3 });
    expect(reasonOf(result.report, 'site/uploads/user.jpg')).toMatchObject({
      action: 'keep',
      reason: 'excluded',
      detail: 'matches exclude uploads/**',
    });
    expect(reasonOf(result.report, 'site/legacy/old.html')).toMatchObject({
      action: 'keep',
      reason: 'protected',
      detail: 'matches keep legacy/**',
    });
    expect(await siteKeys(site.bucket)).toEqual(
      [...deployedKeys, ...spared, 'elsewhere/x.txt'].sort(),
    );
  });

  test('a key that include does not match is not owned either', async () => {
    const site = await deployedSite('own-include', "include: ['**/*.html', '**/*.js']\n");
    for (const key of ['site/blog/feed.xml', 'site/old.html'])
      await putObject(site.bucket, key, 'x');
    const result = await deploy(site, ['--delete']);
    expect(result.code).toBe(0);
    expect(reasonOf(result.report, 'site/blog/feed.xml')).toMatchObject({
      reason: 'excluded',
      detail: 'matches no include glob (**/*.html, **/*.js)',
    });
    const keys = await listKeys(site.bucket);
    expect(keys).toContain('site/blog/feed.xml');
    expect(keys).not.toContain('site/old.html');
  });
});

describe('an empty source with deletes on', () => {
  test('exits 2 with one line, sends nothing; --allow-empty-source proceeds', async () => {
    const site = await deployedSite('own-empty');
    await rm(site.source, { recursive: true });
    await mkdir(site.source);
    const before = await listKeys(site.bucket);

    const refused = await deploy(site, ['--delete']);
    expect(refused.code).toBe(2);
    const errors = refused.stderr.split('\n').filter((l) => /^(error|\s)/.test(l) && l !== '');
    expect(errors).toEqual([
      `error: Source ${site.source} has no files after include/exclude, and deletes are on: all 5 key(s) s3ship owns under s3://${site.bucket}/site/ would be stale — nothing was sent. Check that the build wrote its output there, or pass --allow-empty-source (spec: allow_empty_source: true) to deploy an empty source on purpose.`,
    ]);
    expect(refused.writes).toEqual([]);
    expect(await listKeys(site.bucket)).toEqual(before);

    // The plan says the same, and so does prune.
    expect((await runCli(['plan', '-c', site.spec, '--delete'])).code).toBe(2);
    expect((await runCli(['prune', '-c', site.spec])).code).toBe(2);

    // Meant: it runs, and max_delete (half by default) still keeps the site.
    const allowed = await deploy(site, ['--delete', '--allow-empty-source']);
    expect(allowed.code).toBe(0);
    expect(allowed.report?.counts).toMatchObject({ deleted: 0, kept: 5 });
    expect(allowed.report?.items.every((i) => i.reason === 'over-max-delete')).toBe(true);
    const emptied = await deploy(site, [
      '--delete',
      '--allow-empty-source',
      '--max-delete',
      '100%',
    ]);
    expect(emptied.code).toBe(0);
    expect(emptied.report?.counts.deleted).toBe(5);
    // The site is gone; the deploy state (never deleted) now records that.
    expect(await listKeys(site.bucket, 'site/')).toEqual(['site/.s3ship/state.json.gz']);
  });
});

describe('max_delete as a share', () => {
  test('"25%": 3 stale of 8 keys → none deleted; 2 stale of 8 → both deleted', async () => {
    const site = await deployedSite('own-share', 'max_delete: "25%"\n');
    const stale = ['site/old-1.js', 'site/old-2.js', 'site/old-3.js'];
    for (const key of stale) await putObject(site.bucket, key, 'old');

    const over = await deploy(site, ['--delete']);
    expect(over.code).toBe(0);
    expect(over.report?.counts).toMatchObject({ deleted: 0, kept: 3 });
    expect(reasonOf(over.report, 'site/old-1.js')).toMatchObject({
      action: 'keep',
      reason: 'over-max-delete',
      detail: '3 stale keys, max_delete 25% of 8 keys = 2',
    });
    expect(over.writes).toEqual([]);
    expect(await siteKeys(site.bucket, 'site/')).toEqual([...deployedKeys, ...stale].sort());

    // old-3.js is in the source again: 8 keys, 2 stale, 25% of 8 = 2.
    await writeFile(path.join(site.source, 'old-3.js'), 'old');
    const under = await deploy(site, ['--delete']);
    expect(under.code).toBe(0);
    expect(under.report?.counts.deleted).toBe(2);
    expect(await siteKeys(site.bucket, 'site/')).toEqual([...deployedKeys, 'site/old-3.js'].sort());
  });

  test('--max-delete takes a share too, and names itself when it is out of range', async () => {
    const site = await deployedSite('own-flag');
    await putObject(site.bucket, 'site/old.js', 'old');
    const over = await deploy(site, ['--delete', '--max-delete', '10%']);
    expect(reasonOf(over.report, 'site/old.js')?.detail).toBe(
      '1 stale key, max_delete 10% of 6 keys = 0',
    );
    const bad = await runCli(['deploy', '-c', site.spec, '--max-delete', '120%']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '<flags>: --max-delete: expected a share of at most 100%, got "120%"',
    );
    const word = await runCli(['deploy', '-c', site.spec, '--max-delete', 'half']);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain(
      'error: --max-delete expects a whole number of keys or a share of the keys under the prefix, got "half" — e.g. --max-delete 100 or --max-delete 25%.',
    );
  });
});

describe('shards and prune', () => {
  test('shards delete nothing, prune deletes the stale key and keeps the excluded ones', async () => {
    const site = await specSite('own-shard', FIVE, {
      prefix: 'site/',
      extra: "exclude: ['uploads/**']\ndelete: true\n",
    });
    for (const key of ['site/uploads/u.jpg', 'site/old.js']) await putObject(site.bucket, key, 'x');
    const shards = await Promise.all(
      [1, 2].map((i) => runCli(['deploy', '-c', site.spec, '--json', '--shard', `${i}/2`])),
    );
    for (const shard of shards) {
      expect(shard.code).toBe(0);
      expect((JSON.parse(shard.stdout) as Report).counts.deleted).toBe(0);
    }
    const prune = await runCli(['prune', '-c', site.spec, '--json']);
    expect(prune.code).toBe(0);
    const pruned = JSON.parse(prune.stdout) as Report;
    expect(pruned.counts).toMatchObject({ uploaded: 0, deleted: 1, notOwned: 1 });
    expect(await siteKeys(site.bucket)).toEqual([...deployedKeys, 'site/uploads/u.jpg'].sort());
    // Prune merged the shards' parts of the deploy state into it and removed them.
    expect((await listKeys(site.bucket)).filter(isStateKey)).toEqual([
      'site/.s3ship/state.json.gz',
    ]);
  });

  test('a shard job with an empty source is not refused (it deletes nothing); prune is', async () => {
    const site = await deployedSite('own-shard-empty', 'delete: true\n');
    await rm(site.source, { recursive: true });
    await mkdir(site.source);
    const mark = logOffset();
    const shard = await runCli(['deploy', '-c', site.spec, '--shard', '1/2']);
    expect(shard.code).toBe(0);
    const prune = await runCli(['prune', '-c', site.spec]);
    expect(prune.code).toBe(2);
    expect(prune.stderr).toMatch(/^error: Source .* has no files after include\/exclude/m);
    // Nothing of the site is written or deleted; the shard writes its part of the deploy state.
    const writes = (await requestsSince(mark)).filter(
      (r) =>
        r.bucket === site.bucket &&
        r.method !== 'GET' &&
        r.method !== 'HEAD' &&
        !(r.method === 'PUT' && isStateKey(requestKey(r))),
    );
    expect(writes).toEqual([]);
    expect(await siteKeys(site.bucket, 'site/')).toEqual(deployedKeys.sort());
  });
});

describe('immutable_changes: error', () => {
  test('new bytes under a key cached as immutable: exit 2 naming it, nothing uploaded', async () => {
    const rules =
      "  - match: '**/*.js'\n    cache_control: 'public, max-age=31536000, immutable'\n";
    const site = await specSite('own-immutable', FIVE, { prefix: 'site/', rules });
    expect((await runCli(['deploy', '-c', site.spec])).code).toBe(0);
    await site.writeSpec({ prefix: 'site/', rules, extra: 'immutable_changes: error\n' });
    await writeFile(path.join(site.source, 'a.js'), 'a, changed');
    await writeFile(path.join(site.source, 'new.txt'), 'new');
    const result = await deploy(site, []);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: 1 key\(s\) whose Cache-Control says immutable would get new bytes: site\/a\.js — .*nothing was uploaded\./m,
    );
    expect(result.writes).toEqual([]);
  });
});
