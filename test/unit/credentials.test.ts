/**
 * The documented order of credential sources, pinning, literal-secret warnings, masking and
 * profiles from ini files (static keys and credential_process), offline. Web identity and
 * role_arn profiles need STS: test/e2e/credentials*.test.ts runs them against the gateway.
 */
import { describe, expect, test } from '@jest/globals';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveCredentials, type CredentialsOptions } from '../../src/credentials.js';
import { DEFAULT_CREDENTIALS, type CredentialsConfig } from '../../src/credentials/config.js';
import { debugLeak, githubMasker } from '../../src/credentials/mask.js';
import { sessionNameFor } from '../../src/credentials/tokens.js';
import { S3shipError } from '../../src/errors.js';
import { parseSpecText } from '../../src/spec/load.js';
import { tempTree } from '../support/fixtures.js';

/** No file, metadata service or host credentials to fall back on. */
const ISOLATED = {
  AWS_CONFIG_FILE: '/nonexistent/s3ship/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/s3ship/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};

function options(
  config: Partial<CredentialsConfig>,
  env: Record<string, string>,
  extra: Partial<CredentialsOptions> = {},
): CredentialsOptions {
  return {
    config: { ...DEFAULT_CREDENTIALS, ...config },
    env: { ...ISOLATED, ...env },
    target: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1' },
    identify: false,
    ...extra,
  };
}

async function keyOf(o: CredentialsOptions) {
  const credentials = await resolveCredentials(o);
  const c = await credentials.provider();
  return { resolved: await credentials.described, credentials, c };
}

describe('credential sources, in order', () => {
  const envKeys = { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'env-secret' };

  test('spec values come before the environment', async () => {
    const { resolved, c } = await keyOf(
      options({ accessKeyId: 'AKIASPEC', secretAccessKey: 'spec-secret' }, envKeys),
    );
    expect(c.accessKeyId).toBe('AKIASPEC');
    expect(resolved.source).toMatch(/^spec /);
  });

  test('the environment keys keep their session token', async () => {
    const { resolved, c } = await keyOf(
      options({}, { ...envKeys, AWS_SESSION_TOKEN: 'env-session-token' }),
    );
    expect(c).toMatchObject({ accessKeyId: 'AKIAENV', sessionToken: 'env-session-token' });
    expect(resolved.source).toMatch(/^environment \(AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN\)/);
  });

  test('a pinned source is used even when an earlier one applies', async () => {
    const dir = await tempTree({
      credentials: '[deploy]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = p-secret\n',
    });
    const { c, resolved } = await keyOf(
      options(
        { source: 'profile', profile: 'deploy' },
        { ...envKeys, AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials') },
      ),
    );
    expect(c.accessKeyId).toBe('AKIAPROFILE');
    expect(resolved.source).toMatch(/^profile deploy \(static keys\)/);
  });

  test('a pinned source that does not apply is a credentials error (exit 3) saying why', async () => {
    const error = await resolveCredentials(options({ source: 'web-identity' }, envKeys)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(S3shipError);
    expect((error as S3shipError).exitCode).toBe(3);
    expect((error as S3shipError).message).toMatch(
      /"web-identity".*does not apply: web-identity: no token .*— fix: /,
    );
  });

  test('a web identity token without a role is skipped with the reason, not used', async () => {
    const error = await resolveCredentials(
      options({ source: 'web-identity' }, { AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/x' }),
    ).catch((e: unknown) => e as S3shipError);
    expect((error as S3shipError).message).toContain(
      'no role to assume (set credentials.web_identity.role_arn or AWS_ROLE_ARN)',
    );
  });

  test('a profile that does not exist names the files it looked in', async () => {
    const error = await resolveCredentials(options({}, { AWS_PROFILE: 'nope' })).catch(
      (e: unknown) => e as S3shipError,
    );
    expect((error as S3shipError).exitCode).toBe(3);
    expect((error as S3shipError).message).toMatch(
      /Profile "nope" is in neither \/nonexistent\/s3ship\/config nor \/nonexistent\/s3ship\/credentials/,
    );
  });
});

describe('STS settings', () => {
  test('credentials.sts.endpoint is where the role is asked for (nothing listens there: said so)', async () => {
    const dir = await tempTree({ token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' });
    const error = await resolveCredentials(
      options(
        {
          source: 'web-identity',
          webIdentity: { ...DEFAULT_CREDENTIALS.webIdentity, roleArn: 'arn:aws:iam::1:role/r' },
          sts: { endpoint: 'http://127.0.0.1:9', region: 'eu-west-3' },
        },
        { AWS_WEB_IDENTITY_TOKEN_FILE: path.join(dir, 'token') },
      ),
    ).catch((e: unknown) => e as S3shipError);
    expect((error as S3shipError).exitCode).toBe(3);
    expect((error as S3shipError).message).toMatch(
      /^Web identity \(token file .*\): AssumeRoleWithWebIdentity for role arn:aws:iam::1:role\/r at http:\/\/127\.0\.0\.1:9 failed: ECONNREFUSED — nothing answers at http:\/\/127\.0\.0\.1:9; fix: set credentials\.sts\.endpoint/,
    );
  });

  test('with nothing at all, one line lists what was tried and how to fix it', async () => {
    const error = await resolveCredentials(options({}, {})).catch((e: unknown) => e as S3shipError);
    const message = (error as S3shipError).message;
    expect((error as S3shipError).exitCode).toBe(3);
    expect(message).toMatch(
      /^No credentials found \(spec: .*; env: .*; web-identity: .*; profile: .*\)/,
    );
    expect(message).toContain('— fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(message).not.toContain('\n');
  }, 30_000);
});

describe('profiles from ini files', () => {
  test('credential_process: the command runs, and runs again on renewal', async () => {
    const dir = await tempTree({});
    const script = path.join(dir, 'creds.sh');
    const counter = path.join(dir, 'count');
    // prints credentials that expire in 2 minutes (inside the renewal window: renewed every time)
    await writeFile(
      script,
      `#!/bin/sh\necho x >> "${counter}"\nn=$(wc -l < "${counter}")\n` +
        `exp=$(date -u -d '+2 min' +%Y-%m-%dT%H:%M:%SZ)\n` +
        `printf '{"Version":1,"AccessKeyId":"ASIAPROC%s","SecretAccessKey":"proc-secret","SessionToken":"proc-token","Expiration":"%s"}' "$n" "$exp"\n`,
    );
    await chmod(script, 0o755);
    await writeFile(path.join(dir, 'config'), `[profile build]\ncredential_process = ${script}\n`);
    const masked: string[] = [];
    const { resolved, credentials, c } = await keyOf(
      options(
        { profile: 'build' },
        { AWS_CONFIG_FILE: path.join(dir, 'config') },
        { mask: (s) => masked.push(s) },
      ),
    );
    expect(resolved.source).toMatch(/^profile build \(credential_process\)/);
    expect(c.accessKeyId).toMatch(/^ASIAPROC\d$/);
    expect(c.sessionToken).toBe('proc-token');
    const again = await credentials.provider();
    expect(again.accessKeyId).not.toBe(c.accessKeyId);
    expect(credentials.fetches()).toBeGreaterThanOrEqual(2);
    expect(masked).toEqual(expect.arrayContaining(['proc-secret', 'proc-token']));
  });

  test('a failing credential_process is one line with the profile and the fix', async () => {
    const dir = await tempTree({ 'fail.sh': '#!/bin/sh\nexit 7\n' });
    await chmod(path.join(dir, 'fail.sh'), 0o755);
    await writeFile(
      path.join(dir, 'config'),
      `[profile broken]\ncredential_process = ${path.join(dir, 'fail.sh')}\n`,
    );
    const error = await resolveCredentials(
      options({ profile: 'broken' }, { AWS_CONFIG_FILE: path.join(dir, 'config') }),
    ).catch((e: unknown) => e as S3shipError);
    expect((error as S3shipError).exitCode).toBe(3);
    expect((error as S3shipError).message).toMatch(
      /^Profile "broken" gave no credentials: .* — fix: /,
    );
    expect((error as S3shipError).message).not.toContain('\n');
  });
});

describe('secrets', () => {
  test('a literal secret in the spec is warned about without printing it; ${VAR} is not', () => {
    const spec = (secret: string) =>
      `version: 1\nsource: .\ntarget: { bucket: site }\ncredentials:\n  access_key_id: AKIAEXAMPLE\n  secret_access_key: ${secret}\n`;
    const literal = parseSpecText(spec('wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY'), 's3ship.yml', {
      env: {},
      cwd: '/tmp',
    });
    expect(literal.credentials?.literalSecrets).toEqual(['credentials.secret_access_key']);
    const fromEnv = parseSpecText(spec('${DEPLOY_SECRET}'), 's3ship.yml', {
      env: { DEPLOY_SECRET: 'from-the-ci' },
      cwd: '/tmp',
    });
    expect(fromEnv.credentials?.literalSecrets).toEqual([]);
    expect(fromEnv.credentials?.secretAccessKey).toBe('from-the-ci');
  });

  test('the warning names the key, not the value', async () => {
    const warnings: string[] = [];
    await resolveCredentials(
      options(
        {
          accessKeyId: 'AKIA',
          secretAccessKey: 'literal-secret-value',
          literalSecrets: ['credentials.secret_access_key'],
        },
        {},
        { warn: (w) => warnings.push(w) },
      ),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('credentials.secret_access_key is written literally');
    expect(warnings[0]).not.toContain('literal-secret-value');
  });

  test('on GitHub Actions every secret is announced with ::add-mask:: (escaped), once', () => {
    const lines: string[] = [];
    const mask = githubMasker({ GITHUB_ACTIONS: 'true' }, (l) => lines.push(l));
    mask('abc%def\nghi');
    mask('abc%def\nghi');
    mask('second-secret');
    expect(lines).toEqual(['::add-mask::abc%25def%0Aghi', '::add-mask::second-secret']);
    const elsewhere: string[] = [];
    githubMasker({}, (l) => elsewhere.push(l))('secret');
    expect(elsewhere).toEqual([]);
  });

  test('NODE_DEBUG that prints request headers is warned about; harmless values are not', () => {
    expect(debugLeak('https')).toMatch(
      /^NODE_DEBUG=https makes Node print request headers.*unset NODE_DEBUG/,
    );
    expect(debugLeak('fs,net')).toContain('drop net from it');
    expect(debugLeak('*')).toBeDefined();
    expect(debugLeak('http,tls,fs')).toBeUndefined();
    expect(debugLeak(undefined)).toBeUndefined();
  });

  test('the environment secret and session token are masked before use', async () => {
    const masked: string[] = [];
    await resolveCredentials(
      options(
        {},
        { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'sek', AWS_SESSION_TOKEN: 'tok-123' },
        { mask: (s) => masked.push(s) },
      ),
    );
    expect(masked).toEqual(['sek', 'tok-123']);
  });
});

describe('session names', () => {
  test("come from the CI's ids and fit STS's rules", () => {
    expect(sessionNameFor({ GITHUB_RUN_ID: '123', GITHUB_RUN_ATTEMPT: '2' }, 0)).toBe(
      's3ship-gh-123-2',
    );
    expect(sessionNameFor({ CI_PIPELINE_ID: '77', CI_JOB_ID: '901' }, 0)).toBe('s3ship-gl-77-901');
    const jenkins = sessionNameFor({ BUILD_TAG: 'jenkins-folder/my job-42'.repeat(4) }, 0);
    expect(jenkins).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(sessionNameFor({}, 1_700_000_000_000)).toBe('s3ship-1700000000');
  });
});
