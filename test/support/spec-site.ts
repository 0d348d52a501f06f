/**
 * A small site, a fresh bucket on the test gateway and a spec pointing at both — what the
 * doctor, presign, hosting and error tests start from — plus bucket-policy helpers.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { createTestBucket, makeTree, testGateway, testS3Client } from './s3.js';

export interface SpecSite {
  bucket: string;
  dir: string;
  source: string;
  spec: string;
  /** Rewrites the spec with other `rules` / extra top-level YAML. */
  writeSpec: (options: SpecText) => Promise<void>;
}

export interface SpecText {
  prefix?: string;
  /** Rule entries, YAML list items indented by two spaces. */
  rules?: string;
  /** More top-level keys. */
  extra?: string;
  /** Bucket name to write instead of the one created (e.g. a missing bucket). */
  bucket?: string;
  endpoint?: string;
}

export const SMALL_SITE: Record<string, string> = {
  'index.html': '<!doctype html><title>home</title>',
  'docs/index.html': '<!doctype html><title>docs</title>',
  'assets/app.js': 'console.log("app");\n',
};

export function specText(source: string, bucket: string, o: SpecText = {}): string {
  return `version: 1
source: ${source}
target:
  bucket: ${o.bucket ?? bucket}
  endpoint: ${o.endpoint ?? testGateway().endpoint}
  region: us-east-1
${o.prefix !== undefined ? `  prefix: ${o.prefix}\n` : ''}${o.rules ? `rules:\n${o.rules}` : ''}${o.extra ?? ''}`;
}

export async function specSite(
  name: string,
  files: Record<string, string | Buffer> = SMALL_SITE,
  options: SpecText = {},
): Promise<SpecSite> {
  const bucket = await createTestBucket(name);
  const dir = await mkdtemp(path.join(os.tmpdir(), `s3ship-${name}-`));
  const source = path.join(dir, 'public');
  await makeTree(source, files);
  const spec = path.join(dir, 's3ship.yml');
  const writeSpec = (o: SpecText) => writeFile(spec, specText(source, bucket, o));
  await writeSpec(options);
  return { bucket, dir, source, spec, writeSpec };
}

let owner: S3Client | undefined;
/** The test user's client (it owns the test buckets). */
export function ownerClient(): S3Client {
  return (owner ??= testS3Client());
}

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  principal: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

/** Sets the bucket policy (statements with their principal ARN). */
export async function setBucketPolicy(bucket: string, statements: PolicyStatement[]) {
  const Statement = statements.map(({ principal, ...s }) => ({
    ...s,
    Principal: { AWS: [principal] },
  }));
  await ownerClient().send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement }),
    }),
  );
}

/**
 * A bucket policy that refuses PUTs carrying `x-amz-acl: public-read` (a common guard on AWS;
 * on Ceph RGW 16 it is also the faithful way to refuse an ACL: its BlockPublicAcls refuses
 * every PUT, with or without an ACL).
 */
export async function denyPublicReadAcl(bucket: string) {
  await setBucketPolicy(bucket, [
    {
      Effect: 'Deny',
      principal: '*',
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': ['public-read'] } },
    },
  ]);
}
