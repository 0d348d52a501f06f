/**
 * Choosing the reporter, and what the GitLab and Jenkins adapters and the action's input mapping
 * produce, offline. (The same files, made by the real bundle against the real gateway and read
 * by gitlab-ci-local and podman, are in test/e2e/ci-*.test.ts.)
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { actionOptions } from '../../src/action.js';
import { createReporter } from '../../src/report/create.js';
import { DOTENV_MAX_BYTES, dotenvFromResult } from '../../src/report/dotenv.js';
import { gitlabSections } from '../../src/report/gitlab.js';
import { detectReportKind } from '../../src/report/reporter.js';
import { OVERRIDE_FLAGS } from '../../src/spec/load.js';
import { failOn } from '../support/memory-store.js';
import { deployTree, recordingTerminal, reportContext, site } from './report-support.js';

const ESC = '\u001b';

describe('the CI is detected from the environment', () => {
  test.each([
    [{ GITHUB_ACTIONS: 'true', CI: 'true' }, 'github'],
    [{ GITLAB_CI: 'true', CI: 'true' }, 'gitlab'],
    [{ JENKINS_URL: 'https://ci.example.com/' }, 'jenkins'],
    [{ BUILD_NUMBER: '7', JOB_NAME: 'site', EXECUTOR_NUMBER: '0' }, 'jenkins'],
    [{ CI: 'true' }, 'plain'],
    [{}, 'plain'],
  ])('%j → %s', (env, kind) => {
    expect(detectReportKind(env)).toBe(kind);
  });
});

describe('GitLab', () => {
  test('collapsible sections: section_start/section_end markers with unique names', () => {
    const lines: string[] = [];
    const sections = gitlabSections(
      (l) => lines.push(l),
      () => 1700000000,
    );
    sections.open('upload-assets', 'Uploading 3 file(s)');
    sections.close();
    sections.open('upload-assets', 'again');
    sections.close();
    sections.close(); // closing twice writes nothing
    expect(lines).toEqual([
      '\x1b[0Ksection_start:1700000000:s3ship_upload-assets_1[collapsed=true]\r\x1b[0KUploading 3 file(s)',
      '\x1b[0Ksection_end:1700000000:s3ship_upload-assets_1\r\x1b[0K',
      '\x1b[0Ksection_start:1700000000:s3ship_upload-assets_2[collapsed=true]\r\x1b[0Kagain',
      '\x1b[0Ksection_end:1700000000:s3ship_upload-assets_2\r\x1b[0K',
    ]);
  });

  test('the dotenv report: NAME=value lines GitLab accepts, far under 5 KB', async () => {
    const { result } = await deployTree(site(3), {
      failures: [failOn('PutObject', (k) => k.endsWith('assets/f0.js'), 'InternalError')],
      config: {
        target: {
          bucket: 'b',
          prefix: 'we ird/$HOME/',
          region: undefined,
          endpoint: undefined,
          pathStyle: true,
        },
      },
    });
    const text = dotenvFromResult(result, false);
    expect(Buffer.byteLength(text)).toBeLessThan(DOTENV_MAX_BYTES);
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^[A-Z][A-Z0-9_]*=[A-Za-z0-9._~:/@+%-]*$/);
    const values = Object.fromEntries(lines.map((l) => l.split('=', 2) as [string, string]));
    expect(values).toMatchObject({
      S3SHIP_STATUS: 'failed',
      S3SHIP_UPLOADED: '2',
      S3SHIP_FAILED: '1',
      S3SHIP_NOT_RUN: '2',
      S3SHIP_TARGET: 's3://b/we%20ird/%24HOME/',
    });
  });

  test('the adapter writes JUnit and dotenv by default, and folds the log into sections', async () => {
    const { result, events } = await deployTree(site(2));
    const cwd = mkdtempSync(path.join(os.tmpdir(), 's3ship-gl-'));
    const terminal = recordingTerminal();
    const reporter = await createReporter('gitlab', reportContext(terminal, { cwd }));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    expect(readFileSync(path.join(cwd, 's3ship.env'), 'utf8')).toContain('S3SHIP_UPLOADED=4\n');
    expect(readFileSync(path.join(cwd, 's3ship-junit.xml'), 'utf8')).toContain('<testsuites');
    const starts = terminal.stdout.filter((l) => l.includes('section_start:')).length;
    expect(starts).toBeGreaterThan(1);
    expect(terminal.stdout.filter((l) => l.includes('section_end:'))).toHaveLength(starts);
  });
});

describe('Jenkins and plain logs', () => {
  test('no ANSI code in a log that is no terminal; JUnit and JSON report by default', async () => {
    const { result, events } = await deployTree(site(2), {
      failures: [failOn('PutObject', (k) => k === 'assets/f1.js', 'InternalError')],
    });
    const cwd = mkdtempSync(path.join(os.tmpdir(), 's3ship-jk-'));
    const terminal = recordingTerminal({ tty: false });
    const reporter = await createReporter('jenkins', reportContext(terminal, { cwd }));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    expect(terminal.screen.join('')).not.toContain(ESC);
    expect(terminal.stderr).toContainEqual(expect.stringMatching(/^error: .*assets\/f1\.js/));
    const json = JSON.parse(readFileSync(path.join(cwd, 's3ship-report.json'), 'utf8')) as {
      counts: { failed: number };
    };
    expect(json.counts.failed).toBe(1);
    expect(readFileSync(path.join(cwd, 's3ship-junit.xml'), 'utf8')).toContain('<failure');
  });

  test('in a terminal, errors and the closing line are coloured', async () => {
    const { result, events } = await deployTree(site(1), {
      failures: [failOn('PutObject', (k) => k === 'assets/f0.js', 'InternalError')],
    });
    const terminal = recordingTerminal({ tty: true, color: true });
    const reporter = await createReporter('plain', reportContext(terminal));
    events.forEach(reporter.sink);
    await reporter.finish(result);
    expect(terminal.stderr).toContainEqual(
      expect.stringMatching(new RegExp(`^${ESC}\\[31merror:${ESC}\\[39m .*assets/f0\\.js`)),
    );
    expect(terminal.stdout.at(-1)).toMatch(new RegExp(`^${ESC}\\[31m.*1 failed`));
  });
});

describe('GitHub Action inputs', () => {
  const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  test('paths resolve against the workspace, with Windows separators on Windows runners', () => {
    const options = actionOptions(
      inputs({ config: 'site\\s3ship.yml', source: 'site/public' }),
      'D:\\a\\repo\\repo',
      path.win32,
    );
    expect(options.specFile).toBe('D:\\a\\repo\\repo\\site\\s3ship.yml');
    expect(options.overrides.source).toBe('D:\\a\\repo\\repo\\site\\public');
    const posix = actionOptions(
      inputs({ config: 'site/s3ship.yml' }),
      '/home/runner/work/r/r',
      path.posix,
    );
    expect(posix.specFile).toBe('/home/runner/work/r/r/site/s3ship.yml');
  });

  test('empty inputs do not override the spec; given ones are typed', () => {
    expect(actionOptions(inputs({}), '/ws')).toEqual({
      specFile: undefined,
      overrides: {},
      dryRun: false,
      force: false,
    });
    const o = actionOptions(
      inputs({ delete: 'True', 'max-delete': '10', 'dry-run': 'TRUE', 'role-to-assume': 'arn:x' }),
      '/ws',
    );
    expect(o).toMatchObject({
      overrides: { delete: true, maxDelete: 10, roleArn: 'arn:x' },
      dryRun: true,
    });
    expect(actionOptions(inputs({ 'max-delete': '25%' }), '/ws').overrides).toEqual({
      maxDelete: '25%',
    });
  });

  test('a bad input names the input, the value and what it expects', () => {
    expect(() => actionOptions(inputs({ delete: 'yes' }), '/ws')).toThrow(
      'input delete expects true or false, got "yes".',
    );
    expect(() => actionOptions(inputs({ concurrency: 'lots' }), '/ws')).toThrow(
      /input concurrency expects a whole number, got "lots"/,
    );
    expect(() => actionOptions(inputs({ 'max-delete': 'half' }), '/ws')).toThrow(
      'input max-delete expects a whole number of keys or a share of the keys under the prefix, got "half" — e.g. 100 or 25%.',
    );
  });

  test('action.yml declares every input, and every spec override has an input', () => {
    const yml = parseYaml(readFileSync('action.yml', 'utf8')) as {
      inputs: Record<string, { description: string; default?: string }>;
      outputs: Record<string, unknown>;
      runs: { using: string; main: string };
    };
    expect(yml.runs).toEqual({ using: 'node24', main: 'dist/action.js' });
    expect(Object.keys(yml.outputs).sort()).toEqual(
      ['bytes', 'changed-keys-file', 'deleted', 'failed', 'skipped', 'updated', 'uploaded'].sort(),
    );
    const covered = new Set<string>();
    for (const [name, input] of Object.entries(yml.inputs)) {
      expect(input.description.length).toBeGreaterThan(10);
      const value =
        /delete$|style|dry-run|force|allow-/.test(name) && name !== 'max-delete'
          ? 'true'
          : /max|concurrency/.test(name)
            ? '5'
            : 'x';
      const options = actionOptions(inputs({ [name]: value }), '/ws');
      Object.keys(options.overrides).forEach((k) => covered.add(k));
      if (options.specFile || options.dryRun || options.force) covered.add(name);
    }
    for (const key of Object.keys(OVERRIDE_FLAGS)) expect(covered).toContain(key);
    // spec-mirroring inputs have no default: an empty input must not override the spec
    for (const [name, input] of Object.entries(yml.inputs))
      if (!['dry-run', 'force'].includes(name)) expect(input.default).toBeUndefined();
  });
});
