/**
 * examples/gitlab-ci.yml, unchanged, run by gitlab-ci-local (shell executor, each job in its own
 * copy of a git repository) against the gateway: the deploy job's log sections, its JUnit report
 * (xmllint + the JUnit schema, then parsed) and dotenv report, and the later job that receives the
 * dotenv values as variables through `needs:`. gitlab-ci-local sets GITLAB_CI=false on purpose;
 * the test sets it to true as GitLab does, and passes the keys as CI/CD variables.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
  chmodSync,
  existsSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN_DIR, ciEnv, NODE24, spawnCapture, type Captured } from '../support/ci-env.js';
import { assertValidJunit, parseDotenv, parseJunit } from '../support/ci-readers.js';
import { createTestBucket, siteKeys, makeTree, REPO_ROOT, testGateway } from '../support/s3.js';

const GITLAB_CI_LOCAL = path.join(REPO_ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');

const SITE: Record<string, string> = {
  'index.html': '<!doctype html><title>home</title>',
  'assets/app.js': 'console.log("app");\n',
  'assets/style.css': 'body { color: #333 }\n',
};

let repo: string;
let bucket: string;
let binDir: string;

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=ci@s3ship.invalid', '-c', 'user.name=ci', ...args], {
    cwd: repo,
    stdio: 'pipe',
  });
}

function writeSpec(bucketName: string): void {
  const { endpoint } = testGateway();
  writeFileSync(
    path.join(repo, 's3ship.yml'),
    `version: 1
source: public
target:
  bucket: ${bucketName}
  endpoint: ${endpoint}
credentials:
  web_identity:
    token_variable: S3SHIP_ID_TOKEN
rules:
  - match: 'assets/**'
    cache_control: 'public, max-age=31536000, immutable'
`,
  );
}

/** One pipeline: gitlab-ci-local on the committed repository. */
async function pipeline(): Promise<Captured> {
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', 'change');
  const gw = testGateway();
  return spawnCapture(
    NODE24,
    [
      GITLAB_CI_LOCAL,
      '--shell-isolation',
      '--force-shell-executor',
      '--no-color',
      '--variable',
      'GITLAB_CI=true',
      '--variable',
      `AWS_ACCESS_KEY_ID=${gw.accessKeyId}`,
      '--variable',
      `AWS_SECRET_ACCESS_KEY=${gw.secretAccessKey}`,
      '--variable',
      `AWS_REGION=${gw.region}`,
    ],
    {
      cwd: repo,
      // the keys reach the jobs only as CI/CD variables, as on GitLab
      env: ciEnv({
        PATH: `${binDir}${path.delimiter}${BIN_DIR}${path.delimiter}${process.env.PATH ?? ''}`,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
      }),
      timeoutMs: 120_000,
    },
  );
}

const jobLog = (job: string) =>
  readFileSync(path.join(repo, '.gitlab-ci-local', 'output', `${job}.log`), 'utf8');
const junitFile = () =>
  path.join(repo, '.gitlab-ci-local', 'builds', 'deploy-site', 's3ship-junit.xml');

beforeAll(async () => {
  bucket = await createTestBucket('ci-gl');
  repo = mkdtempSync(path.join(os.tmpdir(), 's3ship-gitlab-'));
  // `s3ship` on the job's PATH, as in the image: the bundle under Node 24
  binDir = mkdtempSync(path.join(os.tmpdir(), 's3ship-bin-'));
  const wrapper = path.join(binDir, 's3ship');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec "${NODE24}" "${path.join(REPO_ROOT, 'dist', 'cli.js')}" "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  copyFileSync(
    path.join(REPO_ROOT, 'examples', 'gitlab-ci.yml'),
    path.join(repo, '.gitlab-ci.yml'),
  );
  await makeTree(path.join(repo, 'public'), SITE);
  writeSpec(bucket);
  writeFileSync(path.join(repo, '.gitignore'), '.gitlab-ci-local/\ns3ship.env\ns3ship-junit.xml\n');
  git('init', '-q', '-b', 'main');
}, 60_000);

function expectPassed(run: Captured): void {
  expect({ code: run.code, log: run.code === 0 ? '' : run.stdout + run.stderr }).toEqual({
    code: 0,
    log: '',
  });
}

describe('examples/gitlab-ci.yml under gitlab-ci-local', () => {
  test('deploys; sections, JUnit and dotenv reports; the later job reads the counts', async () => {
    const run = await pipeline();
    expectPassed(run);
    expect(run.stdout).toMatch(/PASS\s+deploy-site/);
    expect(run.stdout).toMatch(/PASS\s+announce/);
    expect(await siteKeys(bucket)).toEqual(Object.keys(SITE).sort());

    // gitlab-ci-local parses section_start/section_end as GitLab does and reports each section
    const deployLog = jobLog('deploy-site');
    for (const phase of ['scan', 'compare', 'upload-assets', 'upload-entries'])
      expect(deployLog).toMatch(new RegExp(`^s3ship_${phase}_\\d+ took \\d+ms$`, 'm'));

    assertValidJunit(junitFile());
    const { cases } = parseJunit(readFileSync(junitFile(), 'utf8'));
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(SITE).sort());
    expect(cases.every((c) => c.classname === 's3ship.upload' && !c.failure)).toBe(true);

    const dotenvFile = path.join(repo, 's3ship.env');
    expect(statSync(dotenvFile).size).toBeLessThan(5 * 1024);
    const bytes = Object.values(SITE).reduce((n, v) => n + Buffer.byteLength(v), 0);
    expect(parseDotenv(readFileSync(dotenvFile, 'utf8'))).toMatchObject({
      S3SHIP_STATUS: 'success',
      S3SHIP_UPLOADED: '3',
      S3SHIP_BYTES: String(bytes),
    });
    const announce = jobLog('announce');
    expect(announce).toContain(
      `s3ship success: uploaded 3, deleted 0, skipped 0 (${bytes} bytes) to s3://${bucket}/`,
    );
    expect(announce).toContain('content changed: time to purge the CDN');
  }, 120_000);

  test('a pipeline with nothing new: the later job sees zero uploads', async () => {
    const run = await pipeline();
    expectPassed(run);
    const announce = jobLog('announce');
    expect(announce).toContain('uploaded 0, deleted 0, skipped 3');
    expect(announce).toContain('nothing changed');
    assertValidJunit(junitFile());
    expect(parseJunit(readFileSync(junitFile(), 'utf8')).cases).toEqual([]);
  }, 120_000);

  test('a failed deploy fails the job and still leaves a JUnit report with the failed case', async () => {
    writeSpec('no-such-bucket-s3ship-gitlab');
    const run = await pipeline();
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/FAIL\s+deploy-site/);
    expect(existsSync(junitFile())).toBe(true);
    assertValidJunit(junitFile());
    const { cases } = parseJunit(readFileSync(junitFile(), 'utf8'));
    expect(cases).toHaveLength(1);
    expect(cases[0]?.failure?.type).toBe('BUCKET_MISSING');
    expect(cases[0]?.failure?.message).toMatch(/no-such-bucket-s3ship-gitlab.*does not exist/);
  }, 120_000);
});
