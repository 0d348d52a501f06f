/**
 * What every report says about the delete guards: keys the spec does not own (exclude, include,
 * keep), the max_delete cap — in the plain log and plan listing, the `--json` document, the
 * GitHub job summary and the dotenv report.
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { dotenvFromResult } from '../../src/report/dotenv.js';
import { createReporter } from '../../src/report/create.js';
import { summaryMarkdown } from '../../src/report/github-summary.js';
import { jsonReport } from '../../src/report/summary.js';
import { markdownText, parseDotenv } from '../support/ci-readers.js';
import { MemoryStore } from '../support/memory-store.js';
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
    expect([...store.objects.keys()].sort()).toEqual(
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
