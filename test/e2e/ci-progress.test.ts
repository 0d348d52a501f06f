/**
 * Progress as people see it, against the gateway: in a terminal (a real pseudo-terminal made by
 * util-linux `script`) a live bar redrawn in place, colour on the closing line; in a CI log (a
 * pipe) plain `progress:` lines every interval and not one ANSI code.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ciEnv, NODE24, spawnCapture } from '../support/ci-env.js';
import { createTestBucket, makeTree, REPO_ROOT, testGateway } from '../support/s3.js';

const ESC = '\u001b';
const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

async function site(n: number): Promise<string> {
  const files: Record<string, string> = { 'index.html': '<!doctype html>' };
  for (let i = 0; i < n; i++) files[`assets/f${i}.js`] = `export const n = ${i};\n`.repeat(20);
  return makeTree(mkdtempSync(path.join(os.tmpdir(), 's3ship-progress-')), files);
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe('progress', () => {
  test('in a terminal: a live bar with files, bytes, rate and ETA, cleared at the end', async () => {
    const bucket = await createTestBucket('ci-tty');
    const source = await site(30);
    const command = [NODE24, CLI, 'deploy', '--source', source, '--bucket', bucket]
      .concat(['--endpoint', testGateway().endpoint, '--concurrency', '2'])
      .map(quote)
      .join(' ');
    // `script` runs the command on a new pseudo-terminal and copies what it shows to stdout
    const run = await spawnCapture('script', ['-qefc', command, '/dev/null'], {
      cwd: REPO_ROOT,
      env: ciEnv({ TERM: 'xterm-256color' }),
    });
    expect({ code: run.code, out: run.code === 0 ? '' : run.stdout }).toEqual({ code: 0, out: '' });
    const bars = run.stdout
      .split(`\r${ESC}[2K`)
      .filter((s) => s.startsWith('['))
      .map((s) => s.split(/\r?\n/)[0] ?? '');
    expect(bars.length).toBeGreaterThan(1);
    expect(bars.at(-1)).toMatch(
      /^\[#+-*\] \d+\/31 files, [\d.]+ k?B\/[\d.]+ kB, [\d.]+ k?B\/s, ETA (\d+ s|—)$/,
    );
    // never wider than the terminal (80 columns here): a wrapped bar cannot be redrawn
    for (const bar of bars) expect(bar.length).toBeLessThan(80);
    // the closing summary line is coloured (green: nothing failed) in a terminal
    expect(run.stdout).toMatch(new RegExp(`${ESC}\\[32muploaded 31 \\(`));
  });

  test('in a CI log: plain progress lines while uploads run, no ANSI code at all', async () => {
    const bucket = await createTestBucket('ci-notty');
    const source = await site(60);
    const run = await spawnCapture(
      NODE24,
      [
        CLI,
        'deploy',
        '--source',
        source,
        '--bucket',
        bucket,
        '--endpoint',
        testGateway().endpoint,
      ].concat(['--concurrency', '1']),
      {
        cwd: REPO_ROOT,
        env: ciEnv({ S3SHIP_PROGRESS_INTERVAL: '0.05', JENKINS_URL: 'http://j/' }),
      },
    );
    expect(run.code).toBe(0);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('progress: '));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^progress: \d+\/61 files, .* \(\d+%\), .*\/s, ETA /);
    expect(run.stdout + run.stderr).not.toContain(ESC);
  });
});
