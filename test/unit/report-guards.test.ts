/**
 * What every report says about the guards: keys the spec does not own (exclude, include, keep),
 * the max_delete cap, new bytes under keys cached as immutable — in the plain log and plan
 * listing, the `--json` document, JUnit, the GitHub job summary and the dotenv report.
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { dotenvFromResult } from '../../src/report/dotenv.js';
import { createReporter } from '../../src/report/create.js';
import { summaryMarkdown } from '../../src/report/github-summary.js';
import { junitFromResult } from '../../src/report/junit.js';
import { jsonReport } from '../../src/report/summary.js';
import { assertValidJunit, markdownText, parseDotenv, parseJunit } from '../support/ci-readers.js';
import { MemoryStore, siteKeys } from '../support/memory-store.js';
import { deployTree, recordingTerminal, reportContext, site } from './report-support.js';

/** A bucket holding the deployed site, files users uploaded, a legacy folder and stale keys. */
function bucket(extra: string[] = []): MemoryStore {
  const store = new MemoryStore();
  const put = (key: string, text: string) => {
    const body = Buffer.from(text);
    const etag = createHash('md5').update(body).digest('hex');
    store.objects.set(key, { body, etag, metadata: {} });
  };
  for (const [key, text] of Object.entries(site(2))) put(key, text);
  for (const key of ['uploads/a.jpg', 'uploads/b.jpg', 'uploads/c.jpg', 'legacy/x.html'])
    put(key, 'user data');
  for (const key of ['old.js', ...extra]) put(key, 'stale');
  return store;
}

const guarded = { exclude: ['uploads/**'], keep: ['legacy/**'] };

async function plainRun(dryRun: boolean, store = bucket()) {
  const { result, events } = await deployTree(site(2), {
    store,
    dryRun,
    config: { ...guarded, delete: { enabled: true, max: 10 } },
  });
  const terminal = recordingTerminal();
  const reporter = await createReporter('plain', reportContext(terminal, { dryRun }));
  events.forEach(reporter.sink);
  await reporter.finish(result);
  return { result, terminal };
}

describe('keys the spec does not own, in every report', () => {
  test('the plan listing: one line per glob that spares them, and the stale key to delete', async () => {
    const { terminal } = await plainRun(true);
    expect(terminal.stdout).toEqual(
      expect.arrayContaining([
        'delete  old.js  (stale)',
        'keep    uploads/a.jpg and 2 more  (excluded: matches exclude uploads/**)',
        'keep    legacy/x.html  (protected: matches keep legacy/**)',
      ]),
    );
    expect(terminal.stdout.at(-1)).toMatch(
      /^would upload 0 .*delete 1, 4 not owned \(exclude\/keep\) in/,
    );
  });

  test('a deploy deletes the stale key, keeps the others and says how many it left alone', async () => {
    const store = bucket();
    const { result, terminal } = await plainRun(false, store);
    expect(siteKeys(store)).toEqual(
      [
        ...Object.keys(site(2)),
        'legacy/x.html',
        'uploads/a.jpg',
        'uploads/b.jpg',
        'uploads/c.jpg',
      ].sort(),
    );
    expect(terminal.stdout.at(-1)).toMatch(
      /deleted 1 of 1, 4 not owned \(exclude\/keep\), 0 failed/,
    );
    const json = jsonReport(result, 'deploy', false, []);
    expect(json.counts).toMatchObject({ deleted: 1, kept: 0, notOwned: 4 });
    expect(json.items.filter((i) => i.action === 'keep')).toEqual(
      expect.arrayContaining([
        {
          key: 'uploads/b.jpg',
          action: 'keep',
          reason: 'excluded',
          size: 9,
          detail: 'matches exclude uploads/**',
        },
        {
          key: 'legacy/x.html',
          action: 'keep',
          reason: 'protected',
          size: 9,
          detail: 'matches keep legacy/**',
        },
      ]),
    );
    expect(parseDotenv(dotenvFromResult(result, false))).toMatchObject({
      S3SHIP_DELETED: '1',
      S3SHIP_KEPT: '0',
      S3SHIP_NOT_OWNED: '4',
    });
    expect(markdownText(summaryMarkdown(result, { command: 'deploy', dryRun: false }))).toContain(
      "4 key(s) under the prefix are not the spec's (exclude, include or keep) and were left alone.",
    );
  });

  test('over max_delete: the cap and the count, in the plan listing and the JSON items', async () => {
    const store = bucket(['old2.js', 'old3.js']);
    const config = { ...guarded, delete: { enabled: true, max: { percent: 50 } } };
    // Owned: the 4 site files and 3 stale keys (the 4 spared keys do not count): 50% of 7 = 3.
    const under = await deployTree(site(2), { store, dryRun: true, config });
    expect(under.result.plan.deletes.map((i) => i.key)).toEqual(['old.js', 'old2.js', 'old3.js']);
    for (const key of ['old4.js', 'old5.js'])
      store.objects.set(key, { body: Buffer.from('x'), etag: 'e', metadata: {} });
    // 5 stale of 9: 50% of 9 = 4.
    const { result, events } = await deployTree(site(2), { store, dryRun: true, config });
    expect(result.plan.deletes).toEqual([]);
    const terminal = recordingTerminal();
    const reporter = await createReporter('plain', reportContext(terminal, { dryRun: true }));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    expect(terminal.stdout).toContain(
      'keep    old4.js  (over-max-delete: 5 stale keys, max_delete 50% of 9 keys = 4)',
    );
    expect(terminal.stdout.at(-1)).toMatch(/delete 0, kept 5 stale, 4 not owned/);
    const json = jsonReport(result, 'plan', true, []);
    expect(json.items.find((i) => i.key === 'old.js')).toMatchObject({
      action: 'keep',
      reason: 'over-max-delete',
      detail: '5 stale keys, max_delete 50% of 9 keys = 4',
    });
  });
});

describe('new bytes under a key cached as immutable, in every report', () => {
  const immutable = {
    rules: [{ match: ['assets/**'], cacheControl: 'public, max-age=31536000, immutable' }],
  };
  const warning =
    'Cache-Control says immutable: caches may keep the old bytes until max-age runs out';

  async function changedAsset(dryRun: boolean) {
    const store = bucket();
    // Same size, other bytes: reason `changed`.
    const files = { ...site(2), 'assets/f0.js': 'export const n = 9;\n' };
    return deployTree(files, { store, dryRun, config: immutable });
  }

  test('the plan listing names the key with the warning; the log warns once', async () => {
    const { result, events } = await changedAsset(true);
    const terminal = recordingTerminal();
    const reporter = await createReporter('plain', reportContext(terminal, { dryRun: true }));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    expect(terminal.stdout).toContainEqual(
      `upload  assets/f0.js  (changed: content differs (MD5), 20 B)  warning: ${warning}`,
    );
    // (The seeded bucket has no deploy state: that is warned about too, separately.)
    expect(
      terminal.stderr.filter((l) => l.startsWith('warning:') && l.includes('immutable')),
    ).toEqual([
      expect.stringMatching(
        /^warning: 1 key\(s\) whose Cache-Control says immutable get new bytes: assets\/f0\.js — /,
      ),
    ]);
  });

  test('--json, JUnit and the GitHub summary carry it', async () => {
    const { result, events } = await changedAsset(false);
    const warnings = events.flatMap((e) =>
      e.type === 'warning' && e.message.includes('immutable') ? [e.message] : [],
    );
    expect(warnings).toHaveLength(1);
    const json = jsonReport(result, 'deploy', false, warnings);
    expect(json.warnings).toEqual(warnings);
    expect(json.items.find((i) => i.key === 'assets/f0.js')).toMatchObject({
      action: 'upload',
      reason: 'changed',
      warning,
      status: 'done',
    });
    const xml = junitFromResult(result, {
      command: 'deploy',
      dryRun: false,
      timestamp: new Date(0),
      hostname: 'h',
    }).xml;
    assertValidJunit(xml);
    const cases = parseJunit(xml).cases;
    expect(cases.find((c) => c.name === 'assets/f0.js')?.err).toBe(`warning: ${warning}`);
    expect(cases.filter((c) => c.err !== undefined)).toHaveLength(1);
    const summary = markdownText(
      summaryMarkdown(result, { command: 'deploy', dryRun: false, warnings }),
    );
    expect(summary).toContain(`Warning: ${warnings[0] ?? ''}`);
  });
});
