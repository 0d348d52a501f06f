/**
 * The Dockerfile, built with podman from a locally made base image (no registry, no network
 * during the build: scripts/container-test.sh), and run the three ways CI systems run it, against
 * the gateway: as a GitHub docker step (arguments to the entrypoint, /github/* mounts and file
 * commands), as a Jenkins docker agent (`run -t -d … cat`, then `exec` of the deploy) and as a
 * GitLab job image (its shell-detection command, the job script on stdin). Asserts on the files
 * each CI reads afterwards.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnCapture, type Captured } from '../support/ci-env.js';
import {
  assertValidJunit,
  markdownTables,
  parseDotenv,
  parseJunit,
  readGithubOutputs,
} from '../support/ci-readers.js';
import { createTestBucket, siteKeys, makeTree, REPO_ROOT, testGateway } from '../support/s3.js';

const SITE: Record<string, string> = {
  'index.html': '<!doctype html><title>home</title>',
  'assets/app.js': 'console.log("app");\n',
  'assets/style.css': 'body { color: #333 }\n',
};
const KEYS = Object.keys(SITE).sort();

let podmanEnv: Record<string, string>;
let image: string;

async function script(command: string): Promise<Captured> {
  return spawnCapture('bash', [path.join(REPO_ROOT, 'scripts', 'container-test.sh'), command], {
    cwd: REPO_ROOT,
    env: { ...(process.env as Record<string, string>) },
    timeoutMs: 600_000,
  });
}

function podman(args: string[], input?: string): Promise<Captured> {
  return spawnCapture('podman', args, {
    cwd: REPO_ROOT,
    env: podmanEnv,
    timeoutMs: 120_000,
    ...(input === undefined ? {} : { input }),
  });
}

function expectOk(run: Captured, code = 0): void {
  expect({ code: run.code, log: run.code === code ? '' : run.stdout + run.stderr }).toEqual({
    code,
    log: '',
  });
}

/** The credentials a CI passes in (`-e NAME=value`), never baked into the image. */
function awsEnvFlags(): string[] {
  const gw = testGateway();
  return [
    '-e',
    `AWS_ACCESS_KEY_ID=${gw.accessKeyId}`,
    '-e',
    `AWS_SECRET_ACCESS_KEY=${gw.secretAccessKey}`,
    '-e',
    `AWS_REGION=${gw.region}`,
  ];
}

/** A directory tree owned by `uid` (the CI's user), as the CI would have created it. */
function own(dir: string, uid: number): void {
  chownSync(dir, uid, uid);
}

beforeAll(async () => {
  for (const step of ['base', 'build']) expectOk(await script(step));
  const settings = parseDotenv((await script('env')).stdout);
  image = settings.IMAGE ?? '';
  podmanEnv = {
    ...(process.env as Record<string, string>),
    CONTAINERS_CONF: settings.CONTAINERS_CONF ?? '',
    CONTAINERS_STORAGE_CONF: settings.CONTAINERS_STORAGE_CONF ?? '',
  };
}, 600_000);

describe('the image', () => {
  test('runs as a non-root user, has a shell, and s3ship on PATH', async () => {
    const run = await podman([
      'run',
      '--rm',
      '--pull=never',
      '--network=none',
      image,
      'sh',
      '-c',
      'id -u; command -v s3ship; s3ship version',
    ]);
    expectOk(run);
    const [uid, where, version] = run.stdout.trim().split('\n');
    expect(uid).not.toBe('0');
    expect(where).toBe('/usr/local/bin/s3ship');
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('as a GitHub docker step', () => {
  /** `uses: docker://…` with `args: deploy …`: the runner's mounts, env and working directory. */
  async function dockerStep(runnerUid: number, bucket: string) {
    const host = mkdtempSync(path.join(os.tmpdir(), 's3ship-gh-docker-'));
    const dirs = {
      workspace: 'workspace',
      home: '_github_home',
      commands: '_runner_file_commands',
    };
    for (const d of Object.values(dirs)) mkdirSync(path.join(host, d));
    await makeTree(path.join(host, dirs.workspace, 'site'), SITE);
    const output = `set_output_${randomUUID()}`;
    const summary = `step_summary_${randomUUID()}`;
    for (const f of [output, summary]) writeFileSync(path.join(host, dirs.commands, f), '');
    for (const d of Object.values(dirs)) own(path.join(host, d), runnerUid);
    for (const f of [output, summary]) own(path.join(host, dirs.commands, f), runnerUid);
    const run = await podman([
      'run',
      '--rm',
      '--pull=never',
      '--network=host',
      '--workdir',
      '/github/workspace',
      '-e',
      'CI=true',
      '-e',
      'GITHUB_ACTIONS=true',
      '-e',
      'GITHUB_WORKSPACE=/github/workspace',
      '-e',
      'HOME=/github/home',
      '-e',
      `GITHUB_OUTPUT=/github/file_commands/${output}`,
      '-e',
      `GITHUB_STEP_SUMMARY=/github/file_commands/${summary}`,
      // the host's temp directory, which the container does not have
      '-e',
      'RUNNER_TEMP=/home/runner/work/_temp',
      ...awsEnvFlags(),
      '-v',
      `${path.join(host, dirs.workspace)}:/github/workspace`,
      '-v',
      `${path.join(host, dirs.home)}:/github/home`,
      '-v',
      `${path.join(host, dirs.commands)}:/github/file_commands`,
      image,
      'deploy',
      '--source',
      'site',
      '--bucket',
      bucket,
      '--endpoint',
      testGateway().endpoint,
    ]);
    return {
      run,
      workspace: path.join(host, dirs.workspace),
      outputs: readGithubOutputs(path.join(host, dirs.commands, output)),
      summary: readFileSync(path.join(host, dirs.commands, summary), 'utf8'),
    };
  }

  test('runner user = image user: deploys; outputs, job summary and changed keys in the workspace', async () => {
    const bucket = await createTestBucket('ci-ctr-gh');
    const step = await dockerStep(1000, bucket);
    expectOk(step.run);
    expect(await siteKeys(bucket)).toEqual(KEYS);
    expect(step.outputs).toMatchObject({ uploaded: '3', failed: '0' });
    // no RUNNER_TEMP in a container: a path relative to the workspace, valid in later steps
    expect(step.outputs['changed-keys-file']).toBe('s3ship-changed-keys.txt');
    const keys = readFileSync(path.join(step.workspace, 's3ship-changed-keys.txt'), 'utf8');
    expect(keys.trimEnd().split('\n').sort()).toEqual(KEYS);
    expect(
      markdownTables(step.summary)[1]
        ?.slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(KEYS);
    expect(step.run.stdout).toContain('::group::');
  });

  test('runner user ≠ image user (GitHub-hosted: uid 1001): the deploy still succeeds, and the log says why there are no outputs and what to do', async () => {
    const bucket = await createTestBucket('ci-ctr-gh2');
    const step = await dockerStep(1001, bucket);
    expectOk(step.run);
    expect(await siteKeys(bucket)).toEqual(KEYS);
    expect(step.outputs).toEqual({});
    expect(step.run.stderr).toMatch(/could not write the job summary .*EACCES.*JavaScript action/);
    expect(step.run.stderr).toMatch(/could not set the step outputs/);
  });
});

describe('as a Jenkins docker agent', () => {
  test('`run -t -d … cat`, then `exec` of the deploy: plain log, JUnit and JSON report in the workspace', async () => {
    const bucket = await createTestBucket('ci-ctr-jk');
    const workspace = mkdtempSync(path.join(os.tmpdir(), 's3ship-jenkins-ws-'));
    await makeTree(path.join(workspace, 'site'), SITE);
    for (const d of [
      workspace,
      path.join(workspace, 'site'),
      path.join(workspace, 'site', 'assets'),
    ])
      own(d, 1000);
    const jenkinsEnv = [
      '-e',
      'JENKINS_URL=http://jenkins.example.com/',
      '-e',
      'BUILD_NUMBER=12',
      '-e',
      'JOB_NAME=site',
      '-e',
      'WORKSPACE=' + workspace,
    ];
    const start = await podman([
      'run',
      '-t',
      '-d',
      '--pull=never',
      '--network=host',
      '-u',
      '1000:1000',
      '-w',
      workspace,
      '-v',
      `${workspace}:${workspace}:rw`,
      ...jenkinsEnv,
      image,
      'cat',
    ]);
    expectOk(start);
    const container = start.stdout.trim();
    try {
      // Jenkins refuses an agent whose entrypoint did not run its command
      expect((await podman(['exec', container, 'cat', '/proc/1/cmdline'])).stdout).toBe('cat\0');
      const run = await podman([
        'exec',
        '-w',
        workspace,
        ...jenkinsEnv,
        ...awsEnvFlags(),
        container,
        'sh',
        '-c',
        `s3ship deploy --source site --bucket ${bucket} --endpoint ${testGateway().endpoint}`,
      ]);
      expectOk(run);
      expect(run.stdout + run.stderr).not.toContain('\u001b');
      expect(run.stdout).toMatch(/uploaded 3 \(\d+ B\), skipped 0, deleted 0 of 0, 0 failed/);
      expect(await siteKeys(bucket)).toEqual(KEYS);
      const junit = path.join(workspace, 's3ship-junit.xml');
      assertValidJunit(junit);
      expect(
        parseJunit(readFileSync(junit, 'utf8'))
          .cases.map((c) => c.name)
          .sort(),
      ).toEqual(KEYS);
      const report = JSON.parse(
        readFileSync(path.join(workspace, 's3ship-report.json'), 'utf8'),
      ) as {
        counts: { uploaded: number; failed: number };
      };
      expect(report.counts).toMatchObject({ uploaded: 3, failed: 0 });
    } finally {
      await podman(['rm', '-f', '-t', '0', container]);
    }
  });
});

describe('as a GitLab job image', () => {
  test("GitLab's shell detection as the command, the script on stdin: sections, JUnit and dotenv", async () => {
    const bucket = await createTestBucket('ci-ctr-gl');
    const build = mkdtempSync(path.join(os.tmpdir(), 's3ship-gitlab-build-'));
    await makeTree(path.join(build, 'public'), SITE);
    writeFileSync(
      path.join(build, 's3ship.yml'),
      `version: 1\nsource: public\ntarget:\n  bucket: ${bucket}\n  endpoint: ${testGateway().endpoint}\n`,
    );
    // the runner clones with umask 0000, so an image's unprivileged user can write the reports
    chmodSync(build, 0o777);
    const project = '/builds/group/site';
    // what gitlab-runner's docker executor starts the build container with
    const detectShell =
      'if [ -x /usr/local/bin/bash ]; then exec /usr/local/bin/bash; elif [ -x /usr/bin/bash ]; then exec /usr/bin/bash; elif [ -x /bin/bash ]; then exec /bin/bash; elif [ -x /usr/local/bin/sh ]; then exec /usr/local/bin/sh; elif [ -x /usr/bin/sh ]; then exec /usr/bin/sh; elif [ -x /bin/sh ]; then exec /bin/sh; elif [ -x /busybox/sh ]; then exec /busybox/sh; else echo shell not found; exit 1; fi';
    const job = `set -eo pipefail\ncd ${project}\necho '$ s3ship deploy --config s3ship.yml'\ns3ship deploy --config s3ship.yml\n`;
    const run = await podman(
      [
        'run',
        '--rm',
        '-i',
        '--pull=never',
        '--network=host',
        '-v',
        `${build}:${project}`,
        '-w',
        project,
        '-e',
        'CI=true',
        '-e',
        'GITLAB_CI=true',
        '-e',
        `CI_PROJECT_DIR=${project}`,
        ...awsEnvFlags(),
        image,
        'sh',
        '-c',
        detectShell,
      ],
      job,
    );
    expectOk(run);
    expect(await siteKeys(bucket)).toEqual(KEYS);
    const esc = '\u001b';
    expect(run.stdout).toMatch(
      new RegExp(
        `${esc}\\[0Ksection_start:\\d+:s3ship_upload-assets_\\d+\\[collapsed=true\\]\r${esc}\\[0K`,
      ),
    );
    expect(existsSync(path.join(build, 's3ship-junit.xml'))).toBe(true);
    assertValidJunit(path.join(build, 's3ship-junit.xml'));
    expect(parseDotenv(readFileSync(path.join(build, 's3ship.env'), 'utf8'))).toMatchObject({
      S3SHIP_STATUS: 'success',
      S3SHIP_UPLOADED: '3',
    });
  });
});
