/**
 * Issue 3, web identity, end to end: dist/cli.js with no static keys at all gets an OIDC token
 * (GitHub's ID-token service emulated locally, a GitLab-style variable, a token file), and the
 * gateway's real STS checks it against our local issuer's keys (AssumeRoleWithWebIdentity)
 * before the deploy runs with the role's temporary credentials. Refusals (scope, audience,
 * expiry, another key) are one line and exit 3, with nothing uploaded. Every byte the CLI
 * printed or wrote is finally scanned for secret keys, session tokens and ID tokens.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  countRequests,
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
import { startOidcIssuer, type OidcIssuer } from '../support/oidc.js';
import { startGithubTokenEndpoint, type GithubTokenEndpoint } from '../support/oidc-github.js';
import {
  createWebIdentityRole,
  findLeaks,
  registerIssuer,
  requireSts,
  uniqueName,
  type Transcript,
} from '../support/sts.js';

const GITHUB_SUB = 'repo:octo-org/site:ref:refs/heads/main';
const GITLAB_SUB = 'project_path:octo-group/site:ref_type:branch:ref:main';
const K8S_SUB = 'system:serviceaccount:ci:deployer';

let issuer: OidcIssuer;
let github: GithubTokenEndpoint;
let roleArn: string;
let bucket: string;
let outside: string;
let dir: string;
/** Everything the CLI printed or wrote, and the secrets the test knows of. */
const transcripts: Transcript[] = [];
const knownSecrets: string[] = [];

beforeAll(async () => {
  requireSts();
  issuer = await startOidcIssuer();
  github = await startGithubTokenEndpoint(issuer, { sub: GITHUB_SUB });
  bucket = await createTestBucket('oidc');
  outside = await createTestBucket('outside');
  await registerIssuer(issuer);
  roleArn = await createWebIdentityRole(
    uniqueName('s3ship-oidc'),
    issuer,
    [GITHUB_SUB, GITLAB_SUB, K8S_SUB],
    bucket,
  );
  dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-oidc-'));
  await makeTree(path.join(dir, 'site'), {
    'index.html': '<!doctype html><title>oidc</title>',
    'app.js': 'console.log(1)\n',
  });
  knownSecrets.push(testGateway().secretAccessKey, github.requestToken);
});

afterAll(async () => {
  await github?.close();
  await issuer?.close();
});

/** No static keys: the test credentials runCli adds are removed. */
const NO_KEYS = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };

async function deploy(
  name: string,
  target: { bucket: string; prefix: string },
  credentials: string,
  env: Record<string, string | undefined>,
) {
  const spec = path.join(dir, `${name}.yml`);
  await writeFile(
    spec,
    `version: 1\nsource: site\ntarget:\n  bucket: ${target.bucket}\n  prefix: ${target.prefix}\n` +
      `  endpoint: ${testGateway().endpoint}\n  region: us-east-1\n${credentials}`,
  );
  const files = {
    summary: path.join(dir, `${name}.summary.md`),
    output: path.join(dir, `${name}.out`),
  };
  // the runner creates these files empty before each step
  await Promise.all(Object.values(files).map((f) => writeFile(f, '')));
  const mark = logOffset();
  const result = await runCli(['deploy', '-c', spec], {
    env: {
      ...NO_KEYS,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_OUTPUT: files.output,
      ...env,
    },
  });
  const written = await Promise.all(
    Object.values(files).map((f) => readFile(f, 'utf8').catch(() => '')),
  );
  transcripts.push({ name, stdout: result.stdout, stderr: result.stderr, files: written });
  const requests = (await requestsSince(mark)).filter((r) => r.bucket === target.bucket);
  return { ...result, requests };
}

const githubEnv = () => ({
  GITHUB_ACTIONS: 'true',
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_ATTEMPT: '1',
  ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
});

describe('web identity against the gateway STS', () => {
  test('GitHub: token from the ID-token service, role assumed, files uploaded', async () => {
    const before = github.audiences.length;
    const r = await deploy(
      'github',
      { bucket, prefix: 'gh' },
      `credentials:\n  web_identity:\n    role_arn: ${roleArn}\n`,
      githubEnv(),
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(github.audiences.slice(before)).toEqual(['sts.amazonaws.com']);
    expect(r.stderr).toContain(
      `credentials: web identity: GitHub Actions OIDC (audience sts.amazonaws.com) → role ${roleArn}; identity arn:aws:sts:::assumed-role/`,
    );
    expect(r.stderr).toContain('/s3ship-gh-4242-1');
    // (objects the role wrote are the role's: the gateway's S3 user may list, not read them)
    expect(await siteKeys(bucket, 'gh/')).toEqual(['gh/app.js', 'gh/index.html']);
    // the gateway saw the uploads (and the deploy state's PUT after them) from the federated
    // session, not from its static user
    const puts = r.requests.filter((q) => q.method === 'PUT');
    expect(puts.map((q) => isStateKey(requestKey(q))).sort()).toEqual([false, false, true]);
    expect(puts.every((q) => q.user !== 'testuser')).toBe(true);
    // and the secrets it got were announced to the runner for masking first
    expect(r.stdout.match(/^::add-mask::/gm)?.length).toBeGreaterThanOrEqual(3);
  });

  test('GitLab: token from the id_tokens variable named in the spec, role from AWS_ROLE_ARN', async () => {
    const token = await issuer.sign({ sub: GITLAB_SUB, aud: 'sts.amazonaws.com' });
    knownSecrets.push(token);
    const r = await deploy(
      'gitlab',
      { bucket, prefix: 'gl' },
      'credentials:\n  source: web-identity\n  web_identity:\n    token_variable: S3SHIP_ID_TOKEN\n',
      { CI_PIPELINE_ID: '77', CI_JOB_ID: '901', S3SHIP_ID_TOKEN: token, AWS_ROLE_ARN: roleArn },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`web identity: token variable S3SHIP_ID_TOKEN → role ${roleArn}`);
    expect(r.stderr).toContain('/s3ship-gl-77-901');
    expect(await siteKeys(bucket, 'gl/')).toEqual(['gl/app.js', 'gl/index.html']);
  });

  test('any CI: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, no spec settings', async () => {
    const token = await issuer.sign({ sub: K8S_SUB, aud: 'sts.amazonaws.com' });
    knownSecrets.push(token);
    const file = path.join(dir, 'token');
    await writeFile(file, `${token}\n`);
    const r = await deploy('file', { bucket, prefix: 'k8s' }, '', {
      AWS_WEB_IDENTITY_TOKEN_FILE: file,
      AWS_ROLE_ARN: roleArn,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`web identity: token file ${file} → role ${roleArn}`);
    expect(await siteKeys(bucket, 'k8s/')).toEqual(['k8s/app.js', 'k8s/index.html']);
  });

  test("the role's scope holds: another bucket is refused naming bucket, role and permission", async () => {
    const r = await deploy(
      'scope',
      { bucket: outside, prefix: 'scope' },
      `credentials:\n  web_identity:\n    role_arn: ${roleArn}\n`,
      githubEnv(),
    );
    expect(r.code).toBe(3);
    const error = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(error).toHaveLength(1);
    expect(error[0]).toContain(`s3://${outside}/`);
    expect(error[0]).toContain(`role ${roleArn}`);
    expect(error[0]).toContain(`s3:ListBucket on arn:aws:s3:::${outside}`);
    expect(await listKeys(outside)).toEqual([]);
    expect(r.requests.filter((q) => q.method === 'PUT')).toHaveLength(0);
  });
});

describe('refused tokens: one line, exit 3, nothing uploaded', () => {
  const refused = async (name: string, credentials: string, env: Record<string, string>) => {
    const prefix = `refused-${name}`;
    const r = await deploy(name, { bucket, prefix }, credentials, env);
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    const errors = lines.filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ — .*; fix: .+/);
    expect(await listKeys(bucket, `${prefix}/`)).toEqual([]);
    expect(r.requests).toHaveLength(0); // not even a listing: it stopped at the credentials
    return errors[0]!;
  };
  const variable = (token: string) => ({ S3SHIP_ID_TOKEN: token, AWS_ROLE_ARN: roleArn });
  const viaVariable = 'credentials:\n  web_identity:\n    token_variable: S3SHIP_ID_TOKEN\n';

  test('a token for another audience', async () => {
    const token = await issuer.sign({ sub: GITLAB_SUB, aud: 'https://gitlab.example.com' });
    knownSecrets.push(token);
    const line = await refused('audience', viaVariable, variable(token));
    expect(line).toContain(`AssumeRoleWithWebIdentity for role ${roleArn}`);
    expect(line).toContain(`audience is "https://gitlab.example.com", not "sts.amazonaws.com"`);
  });

  test('GitHub asked for an audience the provider does not list', async () => {
    const line = await refused(
      'gh-audience',
      `credentials:\n  web_identity:\n    role_arn: ${roleArn}\n    audience: https://github.com/octo-org\n`,
      githubEnv(),
    );
    expect(github.audiences.at(-1)).toBe('https://github.com/octo-org');
    expect(line).toContain('client ids (audiences) include "https://github.com/octo-org"');
  });

  test('an expired token', async () => {
    const token = await issuer.sign({ sub: K8S_SUB, aud: 'sts.amazonaws.com', ttlSeconds: -120 });
    knownSecrets.push(token);
    const file = path.join(dir, 'expired-token');
    await writeFile(file, token);
    const line = await refused('expired', '', {
      AWS_WEB_IDENTITY_TOKEN_FILE: file,
      AWS_ROLE_ARN: roleArn,
    });
    expect(line).toMatch(
      /the token expired at \S+ \(1\d\d s ago\); fix: whatever writes .* must keep renewing it/,
    );
  });

  test('a token signed by another key', async () => {
    const token = await issuer.sign({ sub: GITLAB_SUB, aud: 'sts.amazonaws.com', otherKey: true });
    knownSecrets.push(token);
    const line = await refused('other-key', viaVariable, variable(token));
    expect(line).toContain(`signature does not match any key its issuer ${issuer.url} publishes`);
  });

  test('a wrong bearer is refused by the GitHub service, stated as such', async () => {
    const r = await deploy(
      'bad-bearer',
      { bucket, prefix: 'bad-bearer' },
      `credentials:\n  web_identity:\n    role_arn: ${roleArn}\n`,
      { ...githubEnv(), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'not-the-token' },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('GitHub refused the OIDC token request (HTTP 401)');
    expect(github.refused).toBeGreaterThan(0);
    expect((await countRequests('PUT', 0, { bucket, target: 'bad-bearer' })).count).toBe(0);
  });
});

describe('secrets', () => {
  test('nothing printed or written contains a secret key, session token or ID token', () => {
    expect(transcripts.length).toBeGreaterThanOrEqual(8);
    // S3SHIP_TEST_TRANSCRIPTS=<file>: keep what the CLI said, to read the messages themselves
    if (process.env.S3SHIP_TEST_TRANSCRIPTS)
      writeFileSync(process.env.S3SHIP_TEST_TRANSCRIPTS, JSON.stringify(transcripts, null, 2));
    const report = findLeaks(transcripts, knownSecrets);
    // the masks harvested from GitHub runs are real secrets (a session token is long)
    expect(report.masked.some((s) => s.length > 100)).toBe(true);
    expect(report.leaks).toEqual([]);
  });
});
