// Proves the e2e support code against the real gateway: bucket, put/get, a multipart upload by
// the aws CLI, HeadObject ETags, and counting requests in the gateway's access log.
import { createHash, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  awsCli,
  countRequests,
  createTestBucket,
  deleteTestBucket,
  getObject,
  headObject,
  listKeys,
  makeTempDir,
  objectExists,
  makeTree,
  putObject,
  requestsSince,
  testGateway,
  uniqueBucketName,
} from '../support/s3.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

describe('test gateway', () => {
  let bucket: string;

  beforeAll(async () => {
    bucket = await createTestBucket('smoke');
  });

  afterAll(async () => {
    if (bucket) await deleteTestBucket(bucket);
  });

  test('is published to the test files', () => {
    const gw = testGateway();
    expect(gw.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gw.accessKeyId).not.toBe('');
    expect(gw.rgwLog).toMatch(/client\.rgw\..*\.log$/);
  });

  test('bucket names are unique and valid', () => {
    const names = [
      uniqueBucketName('Smoke_Test'),
      uniqueBucketName('-x-'),
      uniqueBucketName(''),
      uniqueBucketName('a'.repeat(100)),
    ];
    for (const n of names) expect(n).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    expect(new Set(names).size).toBe(names.length);
    expect(bucket.startsWith('smoke-')).toBe(true);
  });

  test('put, head, get and list an object', async () => {
    const body = 'hello gateway\n';
    const put = await putObject(bucket, 'dir/hello.txt', body, {
      contentType: 'text/plain; charset=utf-8',
      cacheControl: 'no-cache',
      metadata: { origin: 'smoke' },
    });
    expect(put.etag).toBe(`"${md5(body)}"`);

    const got = await getObject(bucket, 'dir/hello.txt');
    expect(got.body.toString()).toBe(body);
    expect(got.contentType).toBe('text/plain; charset=utf-8');
    expect(got.cacheControl).toBe('no-cache');
    expect(got.contentEncoding).toBeUndefined();
    expect(got.etag).toBe(`"${md5(body)}"`);
    expect(got.metadata).toEqual({ origin: 'smoke' });

    const head = await headObject(bucket, 'dir/hello.txt');
    expect(head.contentLength).toBe(body.length);
    expect(await objectExists(bucket, 'dir/hello.txt')).toBe(true);
    expect(await objectExists(bucket, 'dir/missing.txt')).toBe(false);
    await expect(headObject(bucket, 'dir/missing.txt')).rejects.toMatchObject({ name: 'NotFound' });

    await putObject(bucket, 'other.bin', randomBytes(10));
    expect(await listKeys(bucket)).toEqual(['dir/hello.txt', 'other.bin']);
    expect(await listKeys(bucket, 'dir/')).toEqual(['dir/hello.txt']);
  });

  test('a 20 MiB aws s3 cp is a 3-part multipart upload, counted in the log', async () => {
    const dir = await makeTree(makeTempDir(), { 'small.txt': 'x' });
    const file = path.join(dir, 'big.bin');
    const data = randomBytes(20 * MiB);
    writeFileSync(file, data);

    const mark = await countRequests('PUT');
    const res = await awsCli(['s3', 'cp', '--no-progress', file, `s3://${bucket}/big.bin`]);
    rmSync(dir, { recursive: true, force: true });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);

    const head = await headObject(bucket, 'big.bin');
    expect(head.contentLength).toBe(data.length);
    expect(head.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
    // multipart ETag = md5 of the concatenated binary part MD5s (8 MiB parts)
    const partMd5s = [0, 1, 2].map((i) =>
      createHash('md5')
        .update(data.subarray(i * 8 * MiB, (i + 1) * 8 * MiB))
        .digest(),
    );
    expect(head.etag).toBe(`"${md5(Buffer.concat(partMd5s))}-3"`);

    // 3 UploadPart PUTs, plus POST ?uploads and POST ?uploadId=.. (complete)
    const puts = await countRequests('PUT', mark.offset, { bucket });
    expect(puts.count).toBe(3);
    expect(puts.offset).toBeGreaterThan(mark.offset);
    expect((await countRequests('PUT', mark.offset, { bucket, target: 'partNumber=' })).count).toBe(
      3,
    );
    expect((await countRequests('POST', mark.offset, { bucket })).count).toBe(2);
    const parts = (await requestsSince(mark.offset)).filter(
      (r) => r.bucket === bucket && r.method === 'PUT',
    );
    expect(parts.map((r) => r.bytes).sort((a, b) => a - b)).toEqual([4 * MiB, 8 * MiB, 8 * MiB]);
    expect(parts.every((r) => r.status === 200 && r.user !== 'anonymous')).toBe(true);

    // the SDK's single PutObject is one more PUT; a GET is not a PUT; nothing counted twice
    const mark2 = await countRequests('PUT', puts.offset, { bucket });
    expect(mark2.count).toBe(0);
    await putObject(bucket, 'one.txt', 'one');
    await getObject(bucket, 'one.txt');
    expect((await countRequests('PUT', mark2.offset, { bucket })).count).toBe(1);
    expect((await countRequests('GET', mark2.offset, { bucket })).count).toBe(1);
  });

  test('a wrong secret is refused (SigV4 is really checked)', async () => {
    const res = await awsCli(['s3api', 'head-bucket', '--bucket', bucket], {
      AWS_SECRET_ACCESS_KEY: 'wrong-secret-wrong-secret-wrong-secret00',
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/403|Forbidden|SignatureDoesNotMatch/);
  });
});
