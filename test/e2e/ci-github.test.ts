/**
 * The GitHub Action as a runner runs it — dist/action.js under Node 24, the inputs as INPUT_*
 * variables (the step's `with:` plus action.yml's defaults), GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, RUNNER_TEMP, the workspace as working directory — and through
 * GitHub's own @github/local-action, against the gateway. Asserts on what the runner reads:
 * the outputs file, the job summary (rendered Markdown), workflow commands in the log.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BIN_DIR, ciEnv, NODE24, spawnCapture, type Captured } from '../support/ci-env.js';
import { markdownTables, markdownText, readGithubOutputs } from '../support/ci-readers.js';
import { createTestBucket, siteKeys, makeTree, REPO_ROOT, testGateway } from '../support/s3.js';

const ACTION = parseYaml(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
};

const SITE: Record<string, string> = {
  'index.html': '<!doctype html><title>home</title>',
  'docs/index.html': '<!doctype html><title>docs</title>',
  'assets/app.js': 'console.log("app");\n',
  'assets/style.css': 'body { color: #333 }\n',
  'img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
};
const siteBytes = Object.values(SITE).reduce((n, v) => n + Buffer.byteLength(v), 0);

interface StepRun extends Captured {
  outputs: Record<string, string>;
  summary: string;
  runnerTemp: string;
}

/** The runner's INPUT_ variables: `with:` values, else action.yml defaults (name upper-cased). */
function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(ACTION.inputs)) {
    const value = inputs[name] ?? spec.default;
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

/** One `uses: ./` step: a fresh runner temp and file-command files, the given workspace. */
async function actionStep(workspace: string, inputs: Record<string, string>): Promise<StepRun> {
  const runnerTemp = mkdtempSync(path.join(os.tmpdir(), 's3ship-runner-temp-'));
  const commands = mkdtempSync(path.join(os.tmpdir(), 's3ship-file-commands-'));
  const outputFile = path.join(commands, `set_output_${randomUUID()}`);
  const summaryFile = path.join(commands, `step_summary_${randomUUID()}`);
  for (const f of [outputFile, summaryFile]) writeFileSync(f, '');
  const result = await spawnCapture(NODE24, [path.join(REPO_ROOT, 'dist', 'action.js')], {
    cwd: workspace,
    env: ciEnv({
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_RUN_ID: '4242',
      GITHUB_JOB: 'deploy',
      RUNNER_TEMP: runnerTemp,
      RUNNER_OS: 'Linux',
      ...inputEnv(inputs),
    }),
  });
  return {
    ...result,
    outputs: readGithubOutputs(outputFile),
    summary: readFileSync(summaryFile, 'utf8'),
    runnerTemp,
  };
}

/** The exit code, with the log in the failure message when it differs. */
function expectExit(run: Captured, code: number): void {
  expect({ code: run.code, log: run.code === code ? '' : run.stdout + run.stderr }).toEqual({
    code,
    log: '',
  });
}

const lines = (text: string, prefix: string) =>
  text.split('\n').filter((l) => l.startsWith(prefix));

let endpoint: string;
beforeAll(() => {
  endpoint = testGateway().endpoint;
});

describe('the action bundle under a runner-like environment', () => {
  test('deploys, sets the outputs, writes the job summary, groups the log, masks the secret', async () => {
    const bucket = await createTestBucket('ci-gh');
    const workspace = mkdtempSync(path.join(os.tmpdir(), 's3ship-ws-'));
    await makeTree(path.join(workspace, 'site'), SITE);
    const step = await actionStep(workspace, { source: 'site', bucket, endpoint, prefix: 'www' });
    expect(step.stderr).not.toMatch(/unexpected/);
    expectExit(step, 0);
    const keys = Object.keys(SITE)
      .map((k) => `www/${k}`)
      .sort();
    expect(await siteKeys(bucket)).toEqual(keys);

    expect(step.outputs).toMatchObject({
      uploaded: '5',
      deleted: '0',
      skipped: '0',
      failed: '0',
      bytes: String(siteBytes),
    });
    const keysFile = step.outputs['changed-keys-file'] ?? '';
    expect(path.dirname(path.dirname(keysFile))).toBe(step.runnerTemp);
    expect(readFileSync(keysFile, 'utf8').trimEnd().split('\n').sort()).toEqual(keys);

    const [counts, changed] = markdownTables(step.summary);
    // the counts table's one row, by its column headers
    const row = Object.fromEntries((counts?.[0] ?? []).map((h, i) => [h, counts?.[1]?.[i]]));
    expect(row).toMatchObject({
      Uploaded: '5',
      'Updated (settings)': '0',
      'Skipped (unchanged)': '0',
      Deleted: '0 of 0',
      Failed: '0',
    });
    expect(
      changed
        ?.slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(keys);
    expect(markdownText(step.summary)).toContain(`s3ship deploy to s3://${bucket}/www/`);

    const groups = lines(step.stdout, '::group::');
    expect(groups.length).toBeGreaterThanOrEqual(3);
    expect(lines(step.stdout, '::endgroup::')).toHaveLength(groups.length);
    const secret = testGateway().secretAccessKey;
    expect(lines(step.stdout, '::add-mask::')).toContain(`::add-mask::${secret}`);
    const elsewhere = (step.stdout + step.stderr).replaceAll(`::add-mask::${secret}`, '');
    expect(elsewhere).not.toContain(secret);
  });

  test('a second deploy uploads nothing; a removed file is deleted and listed as changed', async () => {
    const bucket = await createTestBucket('ci-gh2');
    const workspace = mkdtempSync(path.join(os.tmpdir(), 's3ship-ws-'));
    await makeTree(path.join(workspace, 'site'), SITE);
    const inputs = { source: 'site', bucket, endpoint, delete: 'true' };
    expectExit(await actionStep(workspace, inputs), 0);
    rmSync(path.join(workspace, 'site', 'img'), { recursive: true });
    const step = await actionStep(workspace, inputs);
    expectExit(step, 0);
    expect(step.outputs).toMatchObject({ uploaded: '0', deleted: '1', skipped: '4', bytes: '0' });
    expect(readFileSync(step.outputs['changed-keys-file'] ?? '', 'utf8')).toBe('img/logo.svg\n');
    expect(markdownTables(step.summary)[1]?.[1]).toEqual([
      'img/logo.svg',
      'delete',
      'stale',
      expect.stringMatching(/B$/),
      '✅ done',
    ]);
  });

  test('an invalid spec: exit 2 and an error annotation at its file, line and column', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 's3ship-ws-'));
    await makeTree(workspace, {
      'site/index.html': 'x',
      'deploy/s3ship.yml': `version: 1\nsource: ../site\ntarget:\n  bukcet: b\n`,
    });
    const step = await actionStep(workspace, { config: 'deploy/s3ship.yml' });
    expectExit(step, 2);
    expect(step.stdout).toMatch(
      /^::error title=s3ship%3A invalid spec,file=deploy\/s3ship\.yml,line=4,col=3::target\.bukcet: unknown key "bukcet"; did you mean "bucket"\?/m,
    );
    expect(step.outputs).toMatchObject({ uploaded: '0', failed: '0' });
    expect(markdownText(step.summary)).toContain('s3ship deploy failed');
  });

  test('a missing bucket: one annotation with the cause and the fix, a failed summary', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 's3ship-ws-'));
    await makeTree(path.join(workspace, 'site'), { 'a.txt': 'a' });
    const step = await actionStep(workspace, {
      source: 'site',
      bucket: 'no-such-bucket-s3ship-ci',
      endpoint,
    });
    expectExit(step, 1);
    const errors = lines(step.stdout, '::error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/NoSuchBucket.*no-such-bucket-s3ship-ci.*fix: create it/);
    expect(markdownText(step.summary)).toMatch(/BUCKET_MISSING/);
  });

  test('bad input: the input, the value and what it expects', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 's3ship-ws-'));
    const step = await actionStep(workspace, { bucket: 'b', source: '.', 'max-delete': 'all' });
    expectExit(step, 2);
    expect(step.stdout).toContain(
      'input max-delete expects a whole number of keys or a share of the keys under the prefix, got "all"',
    );
  });
});

describe('@github/local-action', () => {
  test('runs src/action.ts with the inputs of a dotenv file and reports the outputs', async () => {
    const bucket = await createTestBucket('ci-la');
    const dir = mkdtempSync(path.join(os.tmpdir(), 's3ship-la-'));
    await makeTree(path.join(dir, 'site'), SITE);
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '');
    const dotenv = path.join(dir, '.env');
    writeFileSync(
      dotenv,
      [
        `INPUT_SOURCE=${path.join(dir, 'site')}`,
        `INPUT_BUCKET=${bucket}`,
        `INPUT_ENDPOINT=${endpoint}`,
        'INPUT_PREFIX=la/',
        `GITHUB_STEP_SUMMARY=${summary}`,
        'GITHUB_ACTIONS=true',
        `RUNNER_TEMP=${dir}`,
        '',
      ].join('\n'),
    );
    const run = await spawnCapture(
      path.join(BIN_DIR, 'local-action'),
      ['run', REPO_ROOT, 'src/action.ts', dotenv],
      { cwd: REPO_ROOT, env: ciEnv(), timeoutMs: 180_000 },
    );
    expectExit(run, 0);
    // local-action prints the outputs it captured as a table: │ i │ 'name' │ 'value' │
    const outputs = Object.fromEntries(
      [...run.stdout.matchAll(/│ \d+\s+│ '([\w-]+)'\s+│ '([^']*)'\s+│/g)].map(
        (m): [string, string] => [m[1] ?? '', m[2] ?? ''],
      ),
    );
    expect(outputs).toMatchObject({ uploaded: '5', skipped: '0', failed: '0', deleted: '0' });
    expect(await siteKeys(bucket)).toEqual(
      Object.keys(SITE)
        .map((k) => `la/${k}`)
        .sort(),
    );
    expect(markdownTables(readFileSync(summary, 'utf8'))[1]?.slice(1)).toHaveLength(5);
  }, 180_000);
});
