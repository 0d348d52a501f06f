// s3-sync-client as a command for the benchmark: sync SRC to s3://BUCKET (16 transfers).
import { S3Client } from '@aws-sdk/client-s3';
import { S3SyncClient } from 's3-sync-client';

const [src, bucket] = process.argv.slice(2);
const client = new S3Client({
  endpoint: process.env.S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const { sync } = new S3SyncClient({ client });
const result = await sync(src, `s3://${bucket}`, { maxConcurrentTransfers: 16 });
console.log(JSON.stringify({ created: result.created.length, updated: result.updated.length }));
