/**
 * Secrets never leave s3ship: across successful, failing, faulty, interrupted and badly
 * configured runs — in plain, --json and GitHub Actions modes, with every report file on —
 * the secret key and the session token appear in no byte printed and no byte written. "Written"
 * is taken from the kernel, not from s3ship: each run is traced with strace (every open for
 * writing, rename, link), and every file it wrote anywhere is read back and scanned.
 * The one sanctioned appearance is GitHub's `::add-mask::<secret>` command, which the runner
 * consumes so the log shows `***` wherever the value would appear.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FaultProxy } from '../support/fault-proxy.js';
import { recordCase, startCli, waitFor } from '../support/reliability.js';
import { tracedCli, type TracedRun } from '../support/traced-run.js';
import { createTestBucket, deleteTestBucket, makeTree, testGateway } from '../support/s3.js';

const MiB = 1024 * 1024;
let proxy: FaultProxy;
let dir: string;
let bucket: string;
let source: string;
/** A session token the gateway does not know: the runs that use it must fail, and say so. */
const SESSION_TOKEN = `S3SHIPFAKESESSION${randomBytes(24).toString('hex')}`;
const WRONG_SECRET = `wrongSecret${randomBytes(14).toString('hex')}`;

type Traced = TracedRun & { name: string };
const runs: Traced[] = [];

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: testGateway().endpoint });
  dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-secrets-'));
  bucket = await createTestBucket('secrets');
  source = await makeTree(path.join(dir, 'site'), {
    'index.html': '<p>hi</p>',
    'app.js': 'console.log(1)',
    'big.bin': randomBytes(6 * MiB),
  });
});

afterAll(async () => {
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
  await deleteTestBucket(bucket);
});

function specText(endpoint: string, extra = ''): string {
  return `version: 1\nsource: ${source}\ntarget:\n  bucket: ${bucket}\n  prefix: site/\n  endpoint: ${endpoint}\n  region: us-east-1\ndelete: true\nmultipart:\n  threshold: 5MiB\n  part_size: 5MiB\n${extra}`;
}

/** Runs the CLI traced (see test/support/traced-run.ts) in a fresh directory under `dir`. */
async function traced(
  name: string,
  args: string[],
  env: Record<string, string | undefined>,
  spec: string,
): Promise<Traced> {
  const cwd = await mkdtemp(path.join(dir, `${name}-`));
  await writeFile(path.join(cwd, 's3ship.yml'), spec);
  const run = { name, ...(await tracedCli(args, env, cwd, path.join(dir, `${name}.strace`))) };
  runs.push(run);
  return run;
}

const secrets = () => [
  ['secret key', testGateway().secretAccessKey],
  ['session token', SESSION_TOKEN],
  ['wrong secret', WRONG_SECRET],
];

/** Where a secret shows up in `text`: the whole value or a 16-character piece of it. */
function leaks(text: string, where: string): string[] {
  const found: string[] = [];
  for (const [what, value] of secrets()) {
    const pieces = [value!, value!.slice(0, 16), value!.slice(-16)];
    if (pieces.some((p) => text.includes(p))) found.push(`${what} in ${where}`);
  }
  return found;
}

let bytesScanned = 0;
let filesScanned = 0;

function scan(run: Traced): string[] {
  // GitHub's masking command is the one place a secret may be printed (the runner eats it).
  const printed = (run.stdout + run.stderr)
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  bytesScanned += Buffer.byteLength(printed);
  const found = leaks(printed, `${run.name} output`);
  for (const file of run.written) {
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    const bytes = readFileSync(file);
    bytesScanned += bytes.length;
    filesScanned++;
    found.push(...leaks(bytes.toString('latin1'), `${run.name}: ${file}`));
  }
  return found;
}

describe('no secret in any output or any file written', () => {
  test('a deploy with every report on, in GitHub Actions mode', async () => {
    const ghDir = await mkdtemp(path.join(dir, 'gh-'));
    const run = await traced(
      'github',
      [
        'deploy',
        '--json',
        '--junit-file',
        'reports/junit.xml',
        '--dotenv-file',
        'reports/deploy.env',
        '--json-file',
        'reports/report.json',
      ],
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: path.join(ghDir, 'summary.md'),
        GITHUB_OUTPUT: path.join(ghDir, 'output'),
        GITHUB_ENV: path.join(ghDir, 'env'),
      },
      specText(testGateway().endpoint),
    );
    expect(run.code).toBe(0);
    // the masking command was issued for the secret (on stderr when --json owns stdout)
    expect(`${run.stdout}\n${run.stderr}`.split('\n')).toContain(
      `::add-mask::${testGateway().secretAccessKey}`,
    );
    expect(run.written.some((f) => f.endsWith('reports/junit.xml'))).toBe(true);
    expect(scan(run)).toEqual([]);
  }, 120_000);

  test('a deploy through injected faults (retries and failures printed)', async () => {
    proxy.reset(5);
    proxy.rules = [
      { rate: 0.3, fault: { kind: 'status', status: 500, code: 'InternalError' } },
      { rate: 0.2, match: { method: 'PUT' }, fault: { kind: 'reset-request' } },
    ];
    const run = await traced(
      'faults',
      ['deploy', '--force', '--junit-file', 'j.xml', '--json-file', 'r.json'],
      {},
      specText(proxy.endpoint),
    );
    proxy.reset(5);
    expect(run.stderr).toMatch(/^retry \d+:/m);
    expect(scan(run)).toEqual([]);
  }, 120_000);

  test('a plan, and a doctor run', async () => {
    const plan = await traced('plan', ['plan', '--json'], {}, specText(testGateway().endpoint));
    expect(plan.code).toBe(0);
    const doctor = await traced('doctor', ['doctor'], {}, specText(testGateway().endpoint));
    expect(doctor.stdout + doctor.stderr).not.toBe('');
    expect([...scan(plan), ...scan(doctor)]).toEqual([]);
  }, 120_000);

  test('refused credentials: a wrong secret, and an unknown session token', async () => {
    const wrong = await traced(
      'wrong-secret',
      ['deploy', '--junit-file', 'j.xml'],
      { AWS_SECRET_ACCESS_KEY: WRONG_SECRET },
      specText(testGateway().endpoint),
    );
    expect(wrong.code).toBe(3);
    // (RGW with STS on answers a bad signature with AccessDenied; S3 says SignatureDoesNotMatch)
    expect(wrong.stderr).toMatch(/SignatureDoesNotMatch|AccessDenied.*secret access key is wrong/);
    const token = await traced(
      'session-token',
      ['deploy', '--json', '--dotenv-file', 'd.env'],
      { AWS_SESSION_TOKEN: SESSION_TOKEN },
      specText(testGateway().endpoint),
    );
    expect(token.code).not.toBe(0);
    expect(token.stderr).toMatch(/^error: /m);
    expect([...scan(wrong), ...scan(token)]).toEqual([]);
  }, 120_000);

  test('a broken spec, with secrets in the environment', async () => {
    const run = await traced(
      'bad-spec',
      ['deploy', '--junit-file', 'j.xml'],
      { AWS_SESSION_TOKEN: SESSION_TOKEN },
      specText(testGateway().endpoint, 'concurrency: lots\n'),
    );
    expect(run.code).toBe(2);
    expect(scan(run)).toEqual([]);
  }, 60_000);

  test('a secret written literally in the spec: warned about, used, never printed', async () => {
    const gw = testGateway();
    const run = await traced(
      'literal',
      ['deploy', '--json'],
      { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
      specText(
        gw.endpoint,
        `credentials:\n  access_key_id: ${gw.accessKeyId}\n  secret_access_key: ${gw.secretAccessKey}\n`,
      ),
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: credentials\.secret_access_key is written literally/);
    // the spec file is the user's (read, not written): it is the only place the secret is
    const leaksFound = scan(run);
    expect(leaksFound).toEqual([]);
  }, 60_000);

  test('interrupted (SIGINT) mid-upload', async () => {
    const spec = path.join(dir, 'sigint.yml');
    await writeFile(spec, specText(proxy.endpoint));
    proxy.reset(6);
    proxy.uploadBytesPerSecond = 2 * MiB;
    const cli = startCli(['deploy', '--force', '-c', spec], { AWS_SESSION_TOKEN: undefined });
    await waitFor(() => proxy.requests.some((q) => /partNumber=/.test(q.target)), 30_000, 'a part');
    cli.child.kill('SIGINT');
    const done = await cli.done;
    proxy.reset(6);
    expect(done.code).toBe(130);
    const run = { name: 'sigint', ...done, written: [] };
    runs.push(run);
    expect(scan(run)).toEqual([]);
  }, 60_000);

  test('nothing is written outside the run (reports asked for, in its own directory)', () => {
    expect(runs.length).toBe(9);
    const all = runs.flatMap((r) => r.written).filter((f) => existsSync(f));
    const outside = all.filter((f) => !f.startsWith(dir));
    expect(outside).toEqual([]);
    // and no credentials file of any kind among them
    expect(all.filter((f) => /credentials|\.aws|sso|cache\/.*token/i.test(f))).toEqual([]);
    recordCase({
      group: 'Secrets',
      klass: `secret key and session token in output and files (${runs.length} runs: GitHub mode with every report, injected faults, plan, doctor, wrong secret, unknown token, broken spec, literal secret, SIGINT)`,
      cases: runs.length,
      unit: 'runs',
      did: `no secret in ${bytesScanned.toLocaleString('en-US')} bytes printed or written (${filesScanned} files, found by tracing every write with strace); only GitHub's ::add-mask:: command names the secret; literal secret in the spec warned about`,
      verified: 0,
      lost: 0,
      openUploads: 0,
      test: 'secrets.test.ts',
      verdict: 'no secret found',
    });
    recordCase({
      group: 'Secrets',
      klass: 'credentials written to disk',
      cases: runs.filter((r) => r.name !== 'sigint').length,
      unit: 'traced runs',
      did: `files written: only the requested reports${all.some((f) => /node-compile-cache/.test(f)) ? " and Node's compile cache" : ''} (${new Set(all).size} paths), none holding a secret`,
      verified: 0,
      lost: 0,
      openUploads: 0,
      test: 'secrets.test.ts',
      verdict: 'no secret found',
    });
  });
});
