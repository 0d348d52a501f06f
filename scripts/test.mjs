#!/usr/bin/env node
// `npm test`: runs jest under Node 24 as native ESM (--experimental-vm-modules) and ends with
// one plain line `N passed, N failed` (tests, from jest's JSON report; a test file that failed
// without running any test, e.g. a syntax error or a failing beforeAll hook with no tests,
// counts as one failure). Exit code: 0 only if nothing failed.
//
//   npm test                         all tests (starts the S3 gateway for test/e2e)
//   npm test -- test/unit            only the unit tests (no gateway)
//   npm test -- -t 'some name'       any jest arguments pass through
//
// Written for any Node >= 18 so `node scripts/test.mjs` works even from an older node on PATH:
// jest itself always runs on the project's Node 24 (node_modules/.bin/node).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binDir = path.join(root, 'node_modules', '.bin');

function node24() {
  if (process.versions.node.split('.')[0] === '24') return process.execPath;
  const local = path.join(binDir, 'node');
  if (existsSync(local)) return local;
  return process.execPath;
}

function summary(passed, failed) {
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
}

const jestBin = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
if (!existsSync(jestBin)) {
  process.stderr.write('scripts/test.mjs: jest is not installed (run npm ci)\n');
  summary(0, 1);
  process.exit(1);
}

const tmp = mkdtempSync(path.join(tmpdir(), 's3ship-jest-'));
const outFile = path.join(tmp, 'results.json');
const args = [
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  jestBin,
  '--json',
  '--outputFile',
  outFile,
  // no matching test file is reported as `0 passed, 0 failed`, not as a jest error
  '--passWithNoTests',
  ...process.argv.slice(2),
];

const child = spawn(node24(), args, {
  cwd: root,
  stdio: 'inherit',
  // node_modules/.bin first, so anything a test spawns as `node` is Node 24 too
  env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` },
});

// Ctrl-C reaches jest through the terminal's process group; only forward a TERM sent to us.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));

child.on('error', (err) => {
  process.stderr.write(`scripts/test.mjs: cannot run jest: ${err.message}\n`);
  summary(0, 1);
  process.exit(1);
});

child.on('close', (code, signal) => {
  let passed = 0;
  let failed = 0;
  let report;
  try {
    report = JSON.parse(readFileSync(outFile, 'utf8'));
  } catch {
    report = undefined;
  }
  rmSync(tmp, { recursive: true, force: true });

  if (report) {
    passed = report.numPassedTests ?? 0;
    failed = report.numFailedTests ?? 0;
    for (const file of report.testResults ?? []) {
      const ran = (file.assertionResults ?? []).filter(
        (t) => t.status === 'passed' || t.status === 'failed',
      );
      if (file.status === 'failed' && ran.length === 0) failed += 1;
    }
  }
  // jest failed without a report (bad option, globalSetup error, crash): count that as a failure
  if (!report || ((code !== 0 || signal) && failed === 0)) {
    if (signal) process.stderr.write(`scripts/test.mjs: jest was killed by ${signal}\n`);
    else if (!report)
      process.stderr.write(`scripts/test.mjs: jest exited with ${code} and no report\n`);
    else process.stderr.write(`scripts/test.mjs: jest exited with ${code}\n`);
    failed = Math.max(failed, 1);
  }
  summary(passed, failed);
  process.exit(failed > 0 ? 1 : 0);
});
