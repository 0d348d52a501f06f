/**
 * Every failure class the gateway can produce, provoked for real against it (or a real
 * socket), through dist/cli.js: the deploy stops with a non-zero exit code and one line that
 * names the cause and the fix. (Wrong region, SigV2-only regions, ACLs disabled and expired
 * tokens cannot be produced by Ceph RGW 16: test/unit/explain.test.ts pins those lines.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { explainStoreError } from '../../src/explain.js';
import { toStoreError } from '../../src/store/s3-errors.js';
import { ensureRgwUser, principalOf, READER } from '../support/rgw-users.js';
import { listKeys, putObject, runCli, testGateway } from '../support/s3.js';
import { denyPublicReadAcl, setBucketPolicy, specSite } from '../support/spec-site.js';

/** Runs `s3ship deploy -c spec`; output is stdout and stderr together (the line may be in either). */
async function deploy(spec: string, env: Record<string, string | undefined> = {}) {
  const r = await runCli(['deploy', '-c', spec], { env });
  return { code: r.code, output: `${r.stdout}\n${r.stderr}` };
}

const asReader = {
  AWS_ACCESS_KEY_ID: READER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: READER.secretAccessKey,
};

beforeAll(async () => {
  await ensureRgwUser(READER);
});

describe('credentials', () => {
  test('a wrong secret: exit 3, the line blames the secret, nothing stored', async () => {
    const site = await specSite('err-secret');
    const r = await deploy(site.spec, {
      AWS_SECRET_ACCESS_KEY: `${testGateway().secretAccessKey}x`,
    });
    expect(r.code).toBe(3);
    if (testGateway().stsEnabled) {
      // RGW with STS on answers a bad signature with AccessDenied: the line names both causes
      expect(r.output).toContain('AccessDenied (HTTP 403)');
      expect(r.output).toContain('or the secret access key is wrong or the access key id unknown');
      expect(r.output).toContain('check AWS_SECRET_ACCESS_KEY and AWS_ACCESS_KEY_ID');
    } else {
      expect(r.output).toMatch(
        /SignatureDoesNotMatch \(HTTP 403\) — the request signature does not match: the secret access key is wrong or mangled[^\n]*fix: set AWS_SECRET_ACCESS_KEY/,
      );
    }
    expect(await listKeys(site.bucket)).toEqual([]);
  });

  test('an unknown access key: exit 3, the line blames the key', async () => {
    const site = await specSite('err-key');
    const r = await deploy(site.spec, { AWS_ACCESS_KEY_ID: 'AKIANOSUCHKEY0000000' });
    expect(r.code).toBe(3);
    if (testGateway().stsEnabled) {
      // RGW with STS on answers an unknown key with AccessDenied too
      expect(r.output).toContain('AccessDenied (HTTP 403)');
      expect(r.output).toContain('or the secret access key is wrong or the access key id unknown');
      expect(r.output).toContain('check AWS_SECRET_ACCESS_KEY and AWS_ACCESS_KEY_ID');
    } else {
      expect(r.output).toContain(
        `InvalidAccessKeyId (HTTP 403) — the store at ${testGateway().endpoint} does not know this access key id`,
      );
    }
  });
});

describe('bucket and permissions', () => {
  test('a missing bucket: NoSuchBucket names the bucket and the endpoint', async () => {
    const site = await specSite('err-nobucket');
    await site.writeSpec({ bucket: 's3ship-no-such-bucket-4711' });
    const r = await deploy(site.spec);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      `NoSuchBucket (HTTP 404) — bucket "s3ship-no-such-bucket-4711" does not exist at ${testGateway().endpoint}`,
    );
  });

  test('a user whose bucket policy grants only reading: AccessDenied names s3:PutObject on bucket/prefix*', async () => {
    const site = await specSite('err-readonly', undefined, { prefix: 'www' });
    await setBucketPolicy(site.bucket, [
      {
        Effect: 'Allow',
        principal: principalOf(READER),
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${site.bucket}`,
      },
      {
        Effect: 'Allow',
        principal: principalOf(READER),
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${site.bucket}/*`,
      },
    ]);
    const r = await deploy(site.spec, asReader);
    expect(r.code).toBe(3);
    expect(r.output).toMatch(
      new RegExp(
        `AccessDenied \\(HTTP 403\\) — the credentials[^\\n]* lack s3:PutObject on arn:aws:s3:::${site.bucket}/www/\\*`,
      ),
    );
    expect(r.output).toContain(`fix: allow "s3:PutObject" on "arn:aws:s3:::${site.bucket}/www/*"`);
    expect(await listKeys(site.bucket)).toEqual([]);
  });

  test('a user that may write but not delete: the stale key is kept and s3:DeleteObject is named', async () => {
    const site = await specSite('err-nodelete', undefined, {
      prefix: 'www',
      // The only key under the prefix: the default max_delete (half of them) would keep it
      // without trying the DeleteObjects this test is about.
      extra: 'delete: true\nmax_delete: 1\n',
    });
    await putObject(site.bucket, 'www/stale.txt', 'old');
    await setBucketPolicy(site.bucket, [
      {
        Effect: 'Allow',
        principal: principalOf(READER),
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${site.bucket}`,
      },
      {
        Effect: 'Allow',
        principal: principalOf(READER),
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: `arn:aws:s3:::${site.bucket}/*`,
      },
    ]);
    const r = await deploy(site.spec, asReader);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`lack s3:DeleteObject on arn:aws:s3:::${site.bucket}/www/*`);
    expect(await listKeys(site.bucket)).toContain('www/stale.txt');
  });

  test('an ACL the bucket refuses (a Deny on s3:x-amz-acl) names the ACL, s3:PutObjectAcl and the likely settings', async () => {
    const site = await specSite('err-acl', undefined, {
      rules: '  - match: "**/*.html"\n    acl: public-read\n',
    });
    await denyPublicReadAcl(site.bucket);
    const r = await deploy(site.spec);
    expect(r.code).toBe(3);
    expect(r.output).toMatch(
      /PutObject of (docs\/)?index\.html in s3:\/\/\S+ failed: AccessDenied \(HTTP 403\) — the store refused the object with its ACL \(x-amz-acl: public-read\)/,
    );
    expect(r.output).toContain('s3:PutObjectAcl');
    expect(r.output).toContain('BlockPublicAcls');
    expect(r.output).toContain('a bucket policy denies this ACL');
    // only the ACL was refused: the files without one went up (assets before entry documents)
    expect(await listKeys(site.bucket)).toEqual(['assets/app.js']);
  });
});

describe('clock', () => {
  test('a clock an hour slow: RequestTimeTooSkewed with the measured skew', async () => {
    const site = await specSite('err-clock');
    const r = await deploy(site.spec, { S3SHIP_CLOCK_OFFSET_MS: String(-3_600_000) });
    expect(r.code).not.toBe(0);
    // measured from the gateway's Date header: 60 min, give or take its 1 s resolution
    expect(r.output).toMatch(
      /RequestTimeTooSkewed \(HTTP 403\) — this machine's clock is 60 min behind the store's \(measured from its Date header\)/,
    );
    expect(r.output).toContain('fix: synchronise the clock (NTP');
    expect(await listKeys(site.bucket)).toEqual([]);
  });
});

describe('the endpoint', () => {
  let tls: https.Server | undefined;
  afterAll(() => {
    tls?.close();
  });

  test('nothing listening: ECONNREFUSED names host and port', async () => {
    const port = await freePort();
    const site = await specSite('err-refused');
    await site.writeSpec({ endpoint: `http://127.0.0.1:${port}` });
    const r = await deploy(site.spec);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`ECONNREFUSED — nothing accepts connections at 127.0.0.1:${port}`);
  });

  test('a host name that does not resolve: ENOTFOUND says DNS', async () => {
    const site = await specSite('err-dns');
    await site.writeSpec({ endpoint: 'http://s3ship-no-such-host.invalid:7480' });
    const r = await deploy(site.spec);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('the host name s3ship-no-such-host.invalid does not resolve (DNS)');
  });

  test('https:// to a plain-HTTP store: the line says it does not speak TLS', async () => {
    const site = await specSite('err-tls');
    const port = new URL(testGateway().endpoint).port;
    await site.writeSpec({ endpoint: `https://127.0.0.1:${port}` });
    const r = await deploy(site.spec);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('does not speak TLS there: the endpoint is plain HTTP');
  });

  test('a self-signed certificate: the line says it is not trusted and how to trust it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-tls-'));
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]);
    tls = https.createServer(
      {
        key: await readFile(path.join(dir, 'key.pem')),
        cert: await readFile(path.join(dir, 'cert.pem')),
      },
      (_req, res) => res.writeHead(500).end(),
    );
    await new Promise<void>((resolve) => tls!.listen(0, '127.0.0.1', resolve));
    const site = await specSite('err-cert');
    await site.writeSpec({ endpoint: `https://127.0.0.1:${(tls.address() as AddressInfo).port}` });
    const r = await deploy(site.spec);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(
      /DEPTH_ZERO_SELF_SIGNED_CERT — the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted/,
    );
    expect(r.output).toContain('NODE_EXTRA_CA_CERTS');
  });
});

describe('a wrong region (the gateway does not check regions: a stand-in answers as S3 does)', () => {
  let stub: http.Server | undefined;
  afterAll(() => {
    stub?.close();
  });

  test.each([
    ['PermanentRedirect', 301, '<Endpoint>{b}.s3.eu-west-1.amazonaws.com</Endpoint>', 'eu-west-1'],
    ['AuthorizationHeaderMalformed', 400, '<Region>ap-southeast-2</Region>', 'ap-southeast-2'],
  ])(
    "%s: the line names the bucket's real region and the setting",
    async (code, status, extra, region) => {
      // S3's answer to a request signed for the wrong region: the error document, and for a
      // redirect the x-amz-bucket-region header (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)
      stub = http.createServer((req, res) => {
        const bucket = (req.url ?? '/').split('/')[1]?.split('?')[0] ?? '';
        res
          .writeHead(status, {
            'content-type': 'application/xml',
            ...(status === 301 ? { 'x-amz-bucket-region': region } : {}),
          })
          .end(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>wrong region</Message>${extra.replace('{b}', bucket)}<RequestId>stub</RequestId></Error>`,
          );
      });
      await new Promise<void>((resolve) => stub!.listen(0, '127.0.0.1', resolve));
      const site = await specSite('err-region');
      await site.writeSpec({
        endpoint: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`,
      });
      const r = await deploy(site.spec);
      stub.close();
      expect(r.code).not.toBe(0);
      expect(r.output).toContain(
        `${code} (HTTP ${status}) — bucket ${site.bucket} is in region ${region}, not us-east-1`,
      );
      expect(r.output).toContain(`fix: set target.region to ${region} (or --region)`);
    },
  );
});

describe('checksum headers an S3-compatible store refuses', () => {
  test('the 2025 SDK default (aws-chunked CRC trailers) against the gateway gets the checksum line', async () => {
    // Not something s3ship sends: another client (the SDK with its defaults) provokes it, and
    // the explanation s3ship gives for the gateway's answer is checked.
    const gw = testGateway();
    const site = await specSite('err-checksum');
    const sdkDefaults = new S3Client({
      endpoint: gw.endpoint,
      region: gw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
      maxAttempts: 1,
    });
    const error = await sdkDefaults
      .send(
        new PutObjectCommand({
          Bucket: site.bucket,
          Key: 'x.txt',
          ContentLength: 5,
          Body: Readable.from([Buffer.from('hello')]),
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    sdkDefaults.destroy();
    expect(error).toBeDefined();
    const e = toStoreError(error, 'PutObject', 'x.txt');
    expect(e.code).toBe('MissingContentLength');
    const text = explainStoreError(e, {
      bucket: site.bucket,
      prefix: '',
      region: gw.region,
      endpoint: gw.endpoint,
    });
    expect(text).toContain(
      'checksum headers or aws-chunked trailers that AWS SDKs send by default since 2025',
    );
    expect(text).toContain('AWS_REQUEST_CHECKSUM_CALCULATION=when_required');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = http.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
