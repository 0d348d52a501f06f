/**
 * The fault proxy's byte counts are right (test/support/fault-proxy.ts records each request's
 * S3 operation, body bytes and status): uploads count their bytes exactly, while CopyObject and
 * UploadPartCopy carry no body, so a test can prove that a settings-only deploy sends none of the
 * objects' bytes (`objectBytesSent(proxy.requests) === 0`).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FaultProxy } from '../support/fault-proxy.js';
import { bodyBytesByOperation, objectBytesSent } from '../support/s3-operations.js';
import { createTestBucket, deleteTestBucket, testGateway, testS3Client } from '../support/s3.js';

const MiB = 1024 * 1024;

let proxy: FaultProxy;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: testGateway().endpoint });
  s3 = testS3Client(proxy.endpoint);
  bucket = await createTestBucket('proxy-bytes');
});

afterAll(async () => {
  s3?.destroy();
  await proxy?.close();
  if (bucket) await deleteTestBucket(bucket);
});

describe('the fault proxy counts request body bytes per S3 operation', () => {
  test('a 1 MiB PutObject counts its 1 MiB; a CopyObject onto itself counts none', async () => {
    proxy.reset();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'one', Body: randomBytes(MiB) }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'one',
        CopySource: `${bucket}/one`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/plain',
      }),
    );
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'one' }));

    expect(bodyBytesByOperation(proxy.requests)).toEqual({
      PutObject: { requests: 1, bodyBytes: MiB },
      CopyObject: { requests: 1, bodyBytes: 0 },
      HeadObject: { requests: 1, bodyBytes: 0 },
    });
    expect(proxy.requests.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  test('a multipart upload counts its parts; copying it with UploadPartCopy sends no object bytes', async () => {
    const data = randomBytes(5 * MiB + 1000);
    proxy.reset();
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big' }));
    const parts = [];
    for (const [i, body] of [data.subarray(0, 5 * MiB), data.subarray(5 * MiB)].entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'big',
          UploadId: up.UploadId,
          PartNumber: i + 1,
          Body: body,
        }),
      );
      parts.push({ PartNumber: i + 1, ETag: part.ETag });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big',
        UploadId: up.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const uploaded = bodyBytesByOperation(proxy.requests);
    expect(uploaded.UploadPart).toEqual({ requests: 2, bodyBytes: data.length });
    expect(uploaded.CreateMultipartUpload).toEqual({ requests: 1, bodyBytes: 0 });
    // CompleteMultipartUpload sends its part list, a few hundred bytes of XML
    expect(uploaded.CompleteMultipartUpload?.bodyBytes).toBeGreaterThan(0);
    expect(uploaded.CompleteMultipartUpload?.bodyBytes).toBeLessThan(1024);
    expect(objectBytesSent(proxy.requests)).toBe(data.length);

    // The same object again, new settings, its bytes copied inside the store.
    proxy.reset();
    const copy = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big', ContentType: 'text/x' }),
    );
    const copied = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'big',
        UploadId: copy.UploadId,
        PartNumber: 1,
        CopySource: `${bucket}/big`,
        CopySourceRange: `bytes=0-${data.length - 1}`,
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big',
        UploadId: copy.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult?.ETag }] },
      }),
    );
    await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const sums = bodyBytesByOperation(proxy.requests);
    expect(sums.UploadPartCopy).toEqual({ requests: 1, bodyBytes: 0 });
    expect(sums.ListObjectsV2).toEqual({ requests: 1, bodyBytes: 0 });
    expect(objectBytesSent(proxy.requests)).toBe(0);
    expect(proxy.requests.every((r) => r.status === 200)).toBe(true);
  });

  test('a status fault still counts the body the client sent, and records the injected status', async () => {
    proxy.reset();
    proxy.rules = [
      {
        match: { method: 'PUT' },
        rate: 1,
        limit: 1,
        fault: { kind: 'status', status: 503, code: 'SlowDown' },
      },
    ];
    // the SDK retries the 503: two PutObject requests, each with the whole body
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'retried', Body: randomBytes(1000) }),
    );
    expect(proxy.requests.map((r) => [r.operation, r.bodyBytes, r.status])).toEqual([
      ['PutObject', 1000, 503],
      ['PutObject', 1000, 200],
    ]);
  });
});
