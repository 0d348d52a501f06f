/**
 * The store's in-place settings change on the real gateway (S3Store.copyInPlace): new headers
 * reach the object and its bytes stay; an object another writer changed since it was compared
 * (another ETag) is left alone; and an object above CopyObject's 5 GiB limit is copied in parts
 * with UploadPartCopy — shown here with the limit set to 5 MiB, so no 5 GiB object is needed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { S3Store } from '../../src/store/s3-store.js';
import { StoreError, type StoreTarget } from '../../src/store/store.js';
import {
  createTestBucket,
  deleteTestBucket,
  getObject,
  headObject,
  putObject,
  testGateway,
} from '../support/s3.js';

const MiB = 1024 * 1024;
let bucket: string;
let store: S3Store;
/** The same store, copying in parts above 5 MiB. */
let parts: S3Store;

beforeAll(async () => {
  bucket = await createTestBucket('copy');
  const gw = testGateway();
  const target: StoreTarget = { bucket, prefix: '', region: gw.region, endpoint: gw.endpoint };
  const options = {
    target,
    pathStyle: true,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    maxSockets: 4,
  };
  store = new S3Store(options);
  parts = new S3Store({ ...options, copyLimit: 5 * MiB });
});

afterAll(async () => {
  store?.destroy();
  parts?.destroy();
  if (bucket) await deleteTestBucket(bucket);
});

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const unquote = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');

describe('copyInPlace', () => {
  test('new headers, same bytes; the answer names the ETag and LastModified the listing shows', async () => {
    const body = randomBytes(4096);
    const { etag } = await putObject(bucket, 'one.bin', body, { cacheControl: 'max-age=60' });
    const written = await store.copyInPlace({
      key: 'one.bin',
      size: body.length,
      etag: unquote(etag),
      settings: { contentType: 'application/x-test', cacheControl: 'no-cache' },
      metadata: { 's3ship-md5': md5(body) },
    });
    const head = await headObject(bucket, 'one.bin');
    expect(head).toMatchObject({
      contentType: 'application/x-test',
      cacheControl: 'no-cache',
      metadata: { 's3ship-md5': md5(body) },
    });
    expect(md5((await getObject(bucket, 'one.bin')).body)).toBe(md5(body));
    const listed = [];
    for await (const page of store.list('one.bin')) listed.push(...page);
    expect(listed).toEqual([
      { key: 'one.bin', size: body.length, etag: written.etag, lastModified: written.lastModified },
    ]);
  });

  test('an object whose ETag is no longer the compared one is refused (412) and left alone', async () => {
    await putObject(bucket, 'raced.txt', 'another writer was here', { cacheControl: 'max-age=5' });
    const copy = store.copyInPlace({
      key: 'raced.txt',
      size: 5,
      etag: md5(Buffer.from('what the deploy compared')),
      settings: { contentType: 'text/plain', cacheControl: 'no-cache' },
      metadata: { 's3ship-md5': md5(Buffer.from('what the deploy compared')) },
    });
    await expect(copy).rejects.toBeInstanceOf(StoreError);
    await expect(copy).rejects.toMatchObject({ code: 'PreconditionFailed' });
    const head = await headObject(bucket, 'raced.txt');
    expect(head.cacheControl).toBe('max-age=5');
    expect(head.metadata['s3ship-md5']).toBeUndefined();
  });

  test('above the copy limit: copied in parts (UploadPartCopy), headers new, bytes intact', async () => {
    const body = randomBytes(12 * MiB);
    const { etag } = await putObject(bucket, 'big.bin', body);
    await parts.copyInPlace({
      key: 'big.bin',
      size: body.length,
      etag: unquote(etag),
      settings: { contentType: 'application/x-big', storageClass: 'STANDARD' },
      metadata: { build: '7' },
    });
    const head = await headObject(bucket, 'big.bin');
    expect(head).toMatchObject({ contentType: 'application/x-big', metadata: { build: '7' } });
    expect(head.etag).toMatch(/-3"$/); // 5 + 5 + 2 MiB
    expect(md5((await getObject(bucket, 'big.bin')).body)).toBe(md5(body));
  });
});
