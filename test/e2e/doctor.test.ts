/**
 * `s3ship doctor` against the real gateway: it passes for good credentials (and leaves nothing
 * behind), and for a user restricted to reading it names the missing s3:PutObject and prints a
 * policy that — applied — makes it pass. Exit 0 only when a deploy would work.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { ensureRgwUser, principalOf, READER } from '../support/rgw-users.js';
import { listKeys, runCli, testGateway } from '../support/s3.js';
import { denyPublicReadAcl, setBucketPolicy, specSite } from '../support/spec-site.js';

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  message: string;
  missing?: { action: string; resource: string };
}

interface PolicyStatement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

async function doctor(spec: string, env: Record<string, string | undefined> = {}) {
  const text = await runCli(['doctor', '-c', spec], { env });
  const json = await runCli(['doctor', '-c', spec, '--json'], { env });
  const report = JSON.parse(json.stdout) as {
    ok: boolean;
    checks: Check[];
    policy: { Statement: PolicyStatement[] };
  };
  expect(json.code).toBe(text.code);
  return { code: text.code, out: text.stdout, err: text.stderr, report };
}

const check = (checks: Check[], name: string) => checks.find((c) => c.name === name);
const asReader = {
  AWS_ACCESS_KEY_ID: READER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: READER.secretAccessKey,
};

beforeAll(async () => {
  await ensureRgwUser(READER);
});

describe('s3ship doctor', () => {
  test('passes for good credentials, says how requests are signed, and cleans up its probe', async () => {
    const site = await specSite('doc-ok', undefined, { prefix: 'www', extra: 'delete: true\n' });
    const r = await doctor(site.spec);
    expect(r.code).toBe(0);
    expect(r.out).toContain('doctor: a deploy would work.');
    const { checks } = r.report;
    for (const name of [
      'spec',
      'source',
      'credentials',
      'signing',
      'clock',
      'list',
      'put',
      'get',
      'delete',
    ])
      expect(check(checks, name)?.status).toBe('ok');
    expect(check(checks, 'credentials')?.message).toContain(
      `access key ${testGateway().accessKeyId}`,
    );
    expect(check(checks, 'credentials')?.message).toContain('environment');
    expect(check(checks, 'signing')?.message).toBe(
      'requests are signed with SigV4 (AWS4-HMAC-SHA256), signing region us-east-1, service s3',
    );
    expect(check(checks, 'clock')?.message).toContain("agrees with the store's Date header");
    expect(check(checks, 'region')?.message).toContain('requests are signed for us-east-1');
    // the probe was written under the prefix and removed again
    expect(check(checks, 'put')?.message).toMatch(/probe www\/\.s3ship-doctor-[0-9a-f]+/);
    expect(await listKeys(site.bucket)).toEqual([]);
    // the policy: list under the prefix, objects under the prefix, delete because the spec deletes
    const [list, objects] = r.report.policy.Statement;
    expect(list).toMatchObject({
      Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${site.bucket}`,
      Condition: { StringLike: { 's3:prefix': ['www/*'] } },
    });
    expect(objects?.Resource).toBe(`arn:aws:s3:::${site.bucket}/www/*`);
    expect(objects?.Action).toEqual(
      expect.arrayContaining(['s3:PutObject', 's3:GetObject', 's3:DeleteObject']),
    );
    expect(r.out).toContain('"Version": "2012-10-17"');
  });

  test('for a read-only user names the missing s3:PutObject; the printed policy fixes it', async () => {
    const site = await specSite('doc-ro', undefined, { prefix: 'www', extra: 'delete: true\n' });
    const reader = principalOf(READER);
    await setBucketPolicy(site.bucket, [
      {
        Effect: 'Allow',
        principal: reader,
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${site.bucket}`,
      },
      {
        Effect: 'Allow',
        principal: reader,
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${site.bucket}/*`,
      },
    ]);
    const r = await doctor(site.spec, asReader);
    expect(r.code).toBe(3);
    const put = check(r.report.checks, 'put');
    expect(put?.status).toBe('fail');
    expect(put?.missing).toEqual({
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${site.bucket}/www/*`,
    });
    expect(r.out).toMatch(
      new RegExp(
        `fail  put +PutObject www/\\.s3ship-doctor-[0-9a-f]+: AccessDenied — the credentials[^\\n]*lack s3:PutObject on arn:aws:s3:::${site.bucket}/www/\\*`,
      ),
    );
    expect(r.out).toContain(
      `doctor: a deploy would fail (1 problem); missing: s3:PutObject on arn:aws:s3:::${site.bucket}/www/*.`,
    );
    expect(check(r.report.checks, 'list')?.status).toBe('ok');

    // Apply what doctor printed (as a bucket policy: with the reader as principal) and ask again.
    await setBucketPolicy(
      site.bucket,
      r.report.policy.Statement.map(({ Sid: _sid, ...s }) => ({
        ...s,
        Effect: 'Allow',
        principal: reader,
      })),
    );
    const fixed = await doctor(site.spec, asReader);
    expect(fixed.report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(fixed.code).toBe(0);
    expect(await listKeys(site.bucket)).toEqual([]);
  });

  test('a clock an hour slow fails the clock check with the measured skew, and stops there', async () => {
    const site = await specSite('doc-clock');
    const r = await doctor(site.spec, { S3SHIP_CLOCK_OFFSET_MS: String(-3_600_000) });
    expect(r.code).not.toBe(0);
    const clock = check(r.report.checks, 'clock');
    expect(clock?.status).toBe('fail');
    expect(clock?.message).toContain(
      "this machine's clock is 60 min behind the store's Date header",
    );
    expect(check(r.report.checks, 'put')).toBeUndefined();
    expect(await listKeys(site.bucket)).toEqual([]);
  });

  test("checks the spec's ACL: accepted normally, refused where a bucket policy denies it", async () => {
    const rules = '  - match: "**"\n    acl: public-read\n';
    const open = await specSite('doc-acl', undefined, { rules });
    const ok = await doctor(open.spec);
    expect(ok.code).toBe(0);
    expect(check(ok.report.checks, 'acl')).toMatchObject({
      status: 'ok',
      message: 'the store accepts objects with acl public-read',
    });
    expect(ok.report.policy.Statement[1]?.Action).toContain('s3:PutObjectAcl');

    const guarded = await specSite('doc-acl-denied', undefined, { rules });
    await denyPublicReadAcl(guarded.bucket);
    const r = await doctor(guarded.spec);
    expect(r.code).toBe(3);
    // the plain PUT works: it is the ACL that is refused, and the line says so
    expect(check(r.report.checks, 'put')?.status).toBe('ok');
    const acl = check(r.report.checks, 'acl');
    expect(acl?.status).toBe('fail');
    expect(acl?.message).toContain('PutObject with acl public-read: AccessDenied');
    expect(acl?.message).toContain('a bucket policy denies this ACL');
    expect(check(r.report.checks, 'cleanup')?.status).toBe('ok');
    expect(await listKeys(guarded.bucket)).toEqual([]);
  });

  test('a wrong secret fails the list probe, blaming the secret, and exits 3', async () => {
    const site = await specSite('doc-secret');
    const r = await doctor(site.spec, { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(r.code).toBe(3);
    const list = check(r.report.checks, 'list');
    expect(list?.status).toBe('fail');
    // RGW with STS on answers AccessDenied for a bad signature, without STS SignatureDoesNotMatch
    expect(list?.message).toMatch(
      testGateway().stsEnabled
        ? /AccessDenied — .*or the secret access key is wrong/
        : /SignatureDoesNotMatch/,
    );
    expect(await listKeys(site.bucket)).toEqual([]);
  });
});
