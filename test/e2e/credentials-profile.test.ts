/**
 * Issue 3, profiles and role chaining, end to end against the gateway (its STS does the
 * AssumeRole): a profile from an ini file, `role_arn` + `source_profile`, `credential_process`,
 * and `assume_role` on top of environment keys. The log names the source and the identity;
 * every run is made as on GitHub Actions so the CLI announces (::add-mask::) the secrets it
 * holds, and the final scan checks none of them, nor the static secret, appears anywhere else.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createTestBucket,
  isStateKey,
  listKeys,
  logOffset,
  makeTree,
  requestKey,
  requestsSince,
  runCli,
  siteKeys,
  testGateway,
} from '../support/s3.js';
import {
  createUserRole,
  findLeaks,
  requireSts,
  uniqueName,
  type Transcript,
} from '../support/sts.js';

let dir: string;
let bucket: string;
let roleArn: string;
const transcripts: Transcript[] = [];

/** Runs are otherwise keyless: only what each test gives. */
const NO_KEYS = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };

beforeAll(async () => {
  requireSts();
  bucket = await createTestBucket('profile');
  roleArn = await createUserRole(uniqueName('s3ship-chain'), bucket);
  dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-profile-'));
  await makeTree(path.join(dir, 'site'), { 'index.html': '<p>profile</p>', 'a.css': 'p{}' });
  const gw = testGateway();
  await writeFile(
    path.join(dir, 'credentials'),
    `[base]\naws_access_key_id = ${gw.accessKeyId}\naws_secret_access_key = ${gw.secretAccessKey}\n`,
  );
  const proc = path.join(dir, 'creds.mjs');
  await writeFile(
    proc,
    `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(gw.accessKeyId)}, SecretAccessKey: ${JSON.stringify(gw.secretAccessKey)} }));\n`,
  );
  await chmod(proc, 0o644);
  await writeFile(
    path.join(dir, 'config'),
    `[profile deployer]\nrole_arn = ${roleArn}\nsource_profile = base\n\n` +
      `[profile proc]\ncredential_process = ${process.execPath} ${proc}\n`,
  );
});

async function deploy(
  name: string,
  credentials: string,
  env: Record<string, string | undefined>,
  into = bucket,
) {
  const spec = path.join(dir, `${name}.yml`);
  await writeFile(
    spec,
    `version: 1\nsource: site\ntarget:\n  bucket: ${into}\n  prefix: ${name}\n` +
      `  endpoint: ${testGateway().endpoint}\n  region: us-east-1\n${credentials}`,
  );
  const mark = logOffset();
  const result = await runCli(['deploy', '-c', spec], {
    env: {
      ...NO_KEYS,
      GITHUB_ACTIONS: 'true',
      AWS_CONFIG_FILE: path.join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
      ...env,
    },
  });
  transcripts.push({ name, stdout: result.stdout, stderr: result.stderr, files: [] });
  const all = (await requestsSince(mark)).filter((r) => r.bucket === into && r.method === 'PUT');
  // The site's PUTs, and the deploy state's (written under the prefix, with the same credentials).
  const puts = all.filter((r) => !isStateKey(requestKey(r)));
  const statePuts = all.filter((r) => isStateKey(requestKey(r)));
  return { ...result, puts, statePuts, keys: await siteKeys(into, `${name}/`) };
}

/** The credentials part of the start line (before the state's location, which ends it). */
const credentialsLine = (stderr: string) =>
  /\(credentials: (.*?)(?:; state: s3:\/\/\S+)?\)$/m.exec(stderr)?.[1];

describe('profiles and assume_role against the gateway', () => {
  test('a profile from an ini file (static keys)', async () => {
    const r = await deploy('ini', '', { AWS_PROFILE: 'base' });
    expect(r.code).toBe(0);
    expect(r.keys).toEqual(['ini/a.css', 'ini/index.html']);
    // RGW has no GetCallerIdentity: the log says so instead of naming an identity
    expect(credentialsLine(r.stderr)).toBe(
      'profile base (static keys); identity not reported: the STS endpoint does not implement GetCallerIdentity (HTTP 405)',
    );
    // and the deploy state's location ends it
    expect(r.stderr).toMatch(
      new RegExp(`; state: s3://${bucket}/ini/\\.s3ship/state\\.json\\.gz\\)$`, 'm'),
    );
  });

  test('role_arn + source_profile: the role is assumed and does the uploads', async () => {
    const r = await deploy('chain', 'credentials:\n  profile: deployer\n', {
      GITHUB_RUN_ID: '9',
      GITHUB_RUN_ATTEMPT: '1',
    });
    expect(r.code).toBe(0);
    expect(r.keys).toEqual(['chain/a.css', 'chain/index.html']);
    expect(credentialsLine(r.stderr)).toMatch(
      new RegExp(
        `^profile deployer \\(role_arn ${roleArn} via source_profile base\\); identity arn:aws:sts:::assumed-role/`,
      ),
    );
    expect(credentialsLine(r.stderr)).toMatch(/\/s3ship-gh-9-1$/);
    expect(r.puts).toHaveLength(2);
    expect(r.statePuts).toHaveLength(1);
  });

  test("the role's session, not the base keys, does the work: the base user's other bucket is refused", async () => {
    // the gateway's S3 user owns this bucket; only the role's policy keeps it out
    const other = await createTestBucket('notrole');
    const r = await deploy('chain-out', 'credentials:\n  profile: deployer\n', {}, other);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      `the credentials (role ${roleArn}) lack s3:ListBucket on arn:aws:s3:::${other}`,
    );
    expect(await listKeys(other)).toEqual([]);
  });

  test('credential_process', async () => {
    const r = await deploy('proc', '', { AWS_PROFILE: 'proc' });
    expect(r.code).toBe(0);
    expect(r.keys).toEqual(['proc/a.css', 'proc/index.html']);
    expect(credentialsLine(r.stderr)).toMatch(/^profile proc \(credential_process\); /);
  });

  test('assume_role on top of environment keys, with an external id', async () => {
    const gw = testGateway();
    const r = await deploy(
      'assume',
      `credentials:\n  assume_role:\n    role_arn: ${roleArn}\n    external_id: \${DEPLOY_EXTERNAL_ID}\n    session_name: site-deploy\n`,
      {
        AWS_ACCESS_KEY_ID: gw.accessKeyId,
        AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
        DEPLOY_EXTERNAL_ID: 'ext-1234',
      },
    );
    expect(r.code).toBe(0);
    expect(r.keys).toEqual(['assume/a.css', 'assume/index.html']);
    expect(credentialsLine(r.stderr)).toBe(
      `environment (AWS_ACCESS_KEY_ID) → assume_role ${roleArn} (with external id); identity arn:aws:sts:::assumed-role/${roleArn.split('/').pop()}/site-deploy`,
    );
  });

  test('spec values: ${VAR} references are used; a literal secret works but is warned about, unprinted', async () => {
    const gw = testGateway();
    const r = await deploy(
      'spec',
      `credentials:\n  access_key_id: \${DEPLOY_KEY_ID}\n  secret_access_key: ${gw.secretAccessKey}\n`,
      { DEPLOY_KEY_ID: gw.accessKeyId },
    );
    expect(r.code).toBe(0);
    expect(r.keys).toEqual(['spec/a.css', 'spec/index.html']);
    expect(credentialsLine(r.stderr)).toMatch(/^spec \(credentials\.access_key_id\); /);
    expect(r.stderr).toContain(
      'warning: credentials.secret_access_key is written literally in the spec: anyone who can read the file has the secret',
    );
  });

  test('a role that does not exist: one line naming the role, exit 3, nothing sent', async () => {
    const gw = testGateway();
    const missing = roleArn.replace(/role\/.*/, 'role/s3ship-no-such-role');
    const r = await deploy('denied', `credentials:\n  assume_role:\n    role_arn: ${missing}\n`, {
      AWS_ACCESS_KEY_ID: gw.accessKeyId,
      AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
    });
    expect(r.code).toBe(3);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([
      expect.stringContaining(
        `assume_role: AssumeRole for role ${missing} at ${gw.endpoint} failed: NotFound (HTTP 404) — role ${missing} does not exist`,
      ),
    ]);
    expect(errors[0]).toMatch(/; fix: correct the role ARN/);
    expect(r.keys).toEqual([]);
  });
});

describe('secrets', () => {
  test('nothing printed contains the static secret or a secret the CLI masked', () => {
    expect(transcripts).toHaveLength(7);
    if (process.env.S3SHIP_TEST_TRANSCRIPTS)
      writeFileSync(process.env.S3SHIP_TEST_TRANSCRIPTS, JSON.stringify(transcripts, null, 2));
    const report = findLeaks(transcripts, [testGateway().secretAccessKey]);
    // the chained runs got STS session tokens, and announced them for masking
    expect(report.masked.some((s) => s.length > 100)).toBe(true);
    expect(report.leaks).toEqual([]);
  });
});
