/**
 * A settings change made in place shows in every report with what changed, old → new: the log,
 * the summary line, the `--json` document, JUnit, the GitHub job summary and outputs, GitLab's
 * dotenv and the progress counts. (A real deploy against the in-memory store: one rule changed.)
 */
import { describe, expect, test } from '@jest/globals';
import { consoleLog, plainSections } from '../../src/report/console.js';
import { dotenvFromResult } from '../../src/report/dotenv.js';
import { changedKeys } from '../../src/report/github.js';
import { summaryMarkdown } from '../../src/report/github-summary.js';
import { junitFromResult } from '../../src/report/junit.js';
import { progressPart } from '../../src/report/progress.js';
import { countsOf, jsonReport, summaryLine } from '../../src/report/summary.js';
import { MemoryStore } from '../support/memory-store.js';
import { deployTree, recordingTerminal, reportContext } from './report-support.js';

const FILES = { 'index.html': '<html>', 'assets/app.js': 'app', 'assets/site.css': 'css' };
const rule = (cacheControl: string) => ({
  rules: [{ match: ['assets/**'], cacheControl }],
});
const CHANGE = 'cache-control max-age=60 → public, max-age=31536000, immutable';

async function updated() {
  const store = new MemoryStore();
  await deployTree(FILES, { store, config: rule('max-age=60') });
  return deployTree(FILES, { store, config: rule('public, max-age=31536000, immutable') });
}

describe('settings updated in place, in every report', () => {
  test('counts and the summary line: updated, not uploaded', async () => {
    const { result } = await updated();
    expect(countsOf(result)).toMatchObject({ uploaded: 0, updated: 2, skipped: 1, failed: 0 });
    expect(summaryLine(countsOf(result), false)).toBe(
      'uploaded 0 (0 B), updated 2 in place, skipped 1, deleted 0 of 0, 0 failed',
    );
  });

  test('the log and the --json document name the change', async () => {
    const { result, events } = await updated();
    const terminal = recordingTerminal();
    const log = consoleLog(reportContext(terminal), terminal, plainSections(terminal.out));
    for (const e of events) log.sink?.(e);
    expect(terminal.stdout).toContain(`update  assets/app.js  (settings: ${CHANGE})`);
    const json = jsonReport(result, 'deploy', false, []);
    expect(json.items.filter((i) => i.action === 'update')).toEqual([
      expect.objectContaining({
        key: 'assets/app.js',
        reason: 'settings',
        detail: CHANGE,
        status: 'done',
      }),
      expect.objectContaining({
        key: 'assets/site.css',
        reason: 'settings',
        detail: CHANGE,
        status: 'done',
      }),
    ]);
  });

  test('JUnit: a passed test case per update, saying what changed', async () => {
    const { result } = await updated();
    const junit = junitFromResult(result, {
      command: 'deploy',
      dryRun: false,
      timestamp: new Date(0),
      hostname: 'ci',
    });
    expect(junit).toMatchObject({ tests: 2, failures: 0, skipped: 0 });
    expect(junit.xml).toContain('classname="s3ship.update" name="assets/app.js"');
    expect(junit.xml).toContain(`updated in place (settings: ${CHANGE})`);
  });

  test('GitHub: the summary has an Updated column and the change per key; outputs list the keys', async () => {
    const { result } = await updated();
    const markdown = summaryMarkdown(result, { command: 'deploy', dryRun: false });
    expect(markdown).toContain('| Uploaded | Updated (settings) |');
    expect(markdown).toMatch(/\| 0 \| 2 \| 1 \|/);
    expect(markdown).toContain(
      'settings\\: cache\\-control max\\-age\\=60 → public\\, max\\-age\\=31536000\\, immutable',
    );
    expect(changedKeys(result, false).sort()).toEqual(['assets/app.js', 'assets/site.css']);
  });

  test('GitLab dotenv: S3SHIP_UPDATED', async () => {
    const { result } = await updated();
    expect(dotenvFromResult(result, false)).toMatch(/^S3SHIP_UPDATED=2$/m);
  });

  test('progress counts an update as a file done', async () => {
    const { events } = await updated();
    const terminal = recordingTerminal({ tty: true });
    const part = progressPart(reportContext(terminal));
    for (const e of events) part.sink?.(e);
    await part.fail?.(undefined as never);
    expect(terminal.screen.join('')).toMatch(/1\/2 files[\s\S]*2\/2 files/);
  });
});
