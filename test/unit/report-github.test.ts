/**
 * The GitHub adapter as the runner reads it: the job summary rendered as Markdown (marked, GFM)
 * and read back from the HTML table cells; the outputs file in the runner's `name<<delimiter`
 * format; error annotations as workflow command lines on stdout.
 */
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SpecError } from '../../src/errors.js';
import { githubReporter } from '../../src/report/github.js';
import { summaryMarkdown, SUMMARY_LIMIT_BYTES } from '../../src/report/github-summary.js';
import { markdownTables, markdownText, readGithubOutputs } from '../support/ci-readers.js';
import { failOn, MemoryStore } from '../support/memory-store.js';
import { deployTree, recordingTerminal, reportContext, site } from './report-support.js';

const tables = markdownTables;
const readOutputs = readGithubOutputs;

let dir: string;
let stdout: string[];
const saved = { ...process.env };
// @actions/core remembers the summary file's path on first use (one process is one step).
const summaryFile = path.join(mkdtempSync(path.join(os.tmpdir(), 's3ship-gh-')), 'step_summary');

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 's3ship-gh-'));
  process.env.GITHUB_OUTPUT = path.join(dir, 'set_output');
  writeFileSync(process.env.GITHUB_OUTPUT, '');
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  writeFileSync(summaryFile, '');
  process.env.RUNNER_TEMP = dir;
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
});

/** Workflow command lines `::name props::message`, with the toolkit's escapes decoded. */
const commands = (name: string) =>
  stdout
    .join('')
    .split('\n')
    .filter((l) => l.startsWith(`::${name}`))
    .map((l) =>
      l
        .replaceAll('%3A', ':')
        .replaceAll('%2C', ',')
        .replaceAll('%0A', '\n')
        .replaceAll('%0D', '\r')
        .replaceAll('%25', '%'),
    );

describe('GitHub job summary', () => {
  test('counts, bytes and duration, and a row per changed key — markup in keys stays text', async () => {
    const weird = 'we|ird <b>bold</b> *x* [l](u) `c` \\.js';
    const { result } = await deployTree({ ...site(2), [weird]: 'w' });
    const [counts, keys] = tables(summaryMarkdown(result, { command: 'deploy', dryRun: false }));
    expect(counts?.[0]).toEqual([
      'Uploaded',
      'Updated (settings)',
      'Skipped (unchanged)',
      'Deleted',
      'Failed',
      'Not run',
      'Kept (stale)',
      'Bytes',
      'Duration',
    ]);
    expect(counts?.[1]?.slice(0, 7)).toEqual(['5', '0', '0', '0 of 0', '0', '0', '0']);
    expect(counts?.[1]?.[7]).toMatch(/^\d+ B$/);
    expect(keys?.[0]).toEqual(['Key', 'Action', 'Reason', 'Size', 'Status']);
    const rows = keys?.slice(1) ?? [];
    expect(rows.map((r) => r[0]).sort()).toEqual(
      ['assets/f0.js', 'assets/f1.js', 'docs/index.html', 'index.html', weird].sort(),
    );
    expect(rows.find((r) => r[0] === weird)).toEqual([weird, 'upload', 'new', '1 B', '✅ done']);
  });

  test('failures come first, so truncation never hides one, and the rest are counted', async () => {
    const { result } = await deployTree(site(40), {
      failures: [failOn('PutObject', (k) => k === 'assets/f33.js', 'InternalError')],
    });
    const markdown = summaryMarkdown(result, { command: 'deploy', dryRun: false, maxRows: 10 });
    const rows = tables(markdown)[1]?.slice(1) ?? [];
    expect(rows).toHaveLength(10);
    expect(rows[0]?.[0]).toBe('assets/f33.js');
    expect(rows[0]?.[4]).toMatch(/failed/);
    // 40 assets + 2 entry documents (not run after the failure) = 42 rows, 10 shown
    expect(markdownText(markdown)).toContain('…and 32 more key(s)');
  });

  test('stays under the 1 MiB GitHub accepts, whatever the number and length of keys', async () => {
    const store = new MemoryStore();
    const long = (i: number) => `${'deep/'.repeat(100)}${'x|<'.repeat(150)}${i}.js`;
    for (let i = 0; i < 1500; i++)
      store.objects.set(long(i), { body: Buffer.from('x'), etag: 'e', metadata: {} });
    const { result } = await deployTree(
      { 'a.txt': 'a' },
      { store, dryRun: true, config: { delete: { enabled: true, max: 5000 } } },
    );
    const markdown = summaryMarkdown(result, { command: 'plan', dryRun: true });
    expect(Buffer.byteLength(markdown)).toBeLessThan(SUMMARY_LIMIT_BYTES);
    const rows = tables(markdown)[1]?.slice(1) ?? [];
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.length).toBeLessThan(1501);
    expect(rows[0]?.[0]).toBe('a.txt');
    expect(rows[1]?.[0]).toBe(long(0));
    expect(markdown).toContain(`…and ${(1501 - rows.length).toLocaleString('en-US')} more key(s)`);
  });
});

describe('GitHub reporter', () => {
  test('outputs: counts, bytes and a changed-keys file listing what changed', async () => {
    const store = new MemoryStore();
    await deployTree({ ...site(3), 'gone.css': 'x' }, { store });
    const { result, events } = await deployTree(
      { ...site(3), 'assets/f2.js': 'new content' },
      { store, config: { delete: { enabled: true, max: 10 } } },
    );
    const env = { ...process.env };
    const reporter = githubReporter(reportContext(recordingTerminal(), { env }));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    const outputs = readOutputs(env.GITHUB_OUTPUT ?? '');
    expect(outputs).toMatchObject({ uploaded: '1', deleted: '1', skipped: '4', failed: '0' });
    expect(Number(outputs.bytes)).toBe(Buffer.byteLength('new content'));
    const keysFile = outputs['changed-keys-file'] ?? '';
    expect(keysFile.startsWith(dir)).toBe(true);
    expect(readFileSync(keysFile, 'utf8').split('\n').sort()).toEqual([
      '',
      'assets/f2.js',
      'gone.css',
    ]);
    // a group per phase, all closed
    expect(commands('group').length).toBeGreaterThan(1);
    expect(commands('endgroup')).toHaveLength(commands('group').length);
    expect(tables(readFileSync(env.GITHUB_STEP_SUMMARY ?? '', 'utf8'))[1]).toHaveLength(3);
  });

  test('one error annotation per failed key, at most 10 per step: the 10th counts the rest', async () => {
    const { result, events } = await deployTree(site(25), {
      failures: [failOn('PutObject', (k) => k.startsWith('assets/'), 'InternalError')],
    });
    const reporter = githubReporter(reportContext(recordingTerminal(), { env: process.env }));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    const errors = commands('error');
    expect(errors).toHaveLength(10);
    expect(
      errors.slice(0, 9).every((l) => /title=s3ship: upload of assets\/f\d+\.js failed::/.test(l)),
    ).toBe(true);
    expect(errors[9]).toMatch(/16 more key\(s\) failed/);
  });

  test("the job summary shows the run's warnings above the key table", async () => {
    const store = new MemoryStore();
    const immutable = {
      rules: [{ match: ['assets/**'], cacheControl: 'public, max-age=31536000, immutable' }],
    };
    await deployTree(site(2), { store, config: immutable });
    const { result, events } = await deployTree(
      { ...site(2), 'assets/f1.js': 'changed bytes' },
      { store, config: immutable },
    );
    const reporter = githubReporter(reportContext(recordingTerminal(), { env: process.env }));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    expect(markdownText(readFileSync(summaryFile, 'utf8'))).toMatch(
      /Warning: 1 key\(s\) whose Cache-Control says immutable get new bytes: assets\/f1\.js — /,
    );
  });

  test('a few failures: one annotation each, no summary annotation', async () => {
    const { result, events } = await deployTree(site(5), {
      failures: [
        failOn('PutObject', (k) => k === 'assets/f1.js' || k === 'assets/f3.js', 'InternalError'),
      ],
    });
    const reporter = githubReporter(reportContext(recordingTerminal(), { env: process.env }));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    expect(commands('error')).toHaveLength(2);
  });

  test('an invalid spec: annotations at the file, line and column of each problem', async () => {
    const reporter = githubReporter(reportContext(recordingTerminal(), { env: process.env }));
    await reporter.fail(
      new SpecError([
        {
          file: 'site/s3ship.yml',
          line: 4,
          column: 3,
          path: 'target.bukcet',
          message: 'unknown key',
        },
      ]),
    );
    expect(commands('error')).toEqual([
      '::error title=s3ship: invalid spec,file=site/s3ship.yml,line=4,col=3::target.bukcet: unknown key',
    ]);
    expect(readOutputs(process.env.GITHUB_OUTPUT ?? '')).toMatchObject({
      uploaded: '0',
      failed: '0',
    });
    expect(readFileSync(process.env.GITHUB_STEP_SUMMARY ?? '', 'utf8')).toContain('SPEC\\_INVALID');
  });

  test('with --json, stdout holds only the JSON document (no workflow commands)', async () => {
    const { result, events } = await deployTree(site(2));
    const terminal = recordingTerminal();
    const reporter = githubReporter(reportContext(terminal, { env: process.env, json: true }));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    expect(stdout.join('')).toBe('');
    expect(terminal.stdout).toHaveLength(1);
    expect(JSON.parse(terminal.stdout[0] ?? '')).toMatchObject({ counts: { uploaded: 4 } });
    expect(readOutputs(process.env.GITHUB_OUTPUT ?? '')).toMatchObject({ uploaded: '4' });
  });
});
