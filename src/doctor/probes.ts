/**
 * The requests doctor makes, each the same kind of request a deploy makes, each turned into a
 * check: list under the prefix, put a probe object (with the spec's ACLs too), read it back,
 * delete it. The probe key sits under the prefix with a random name and is always removed.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectSettings } from '../config.js';
import { explanationOf, permissionFor } from '../explain.js';
import { toStoreError } from '../store/s3-errors.js';
import { StoreError, type StoreTarget } from '../store/store.js';
import type { Check } from './checks.js';

export interface ProbeContext {
  client: S3Client;
  target: StoreTarget;
  /** The signing clock, to measure skew in error classification. */
  now: () => number;
}

/** Runs one request; a failure becomes a classified StoreError. */
async function attempt<T>(
  ctx: ProbeContext,
  operation: string,
  key: string | undefined,
  send: () => Promise<T>,
  acl?: string,
): Promise<T | StoreError> {
  try {
    return await send();
  } catch (error) {
    return toStoreError(error, operation, key, { now: ctx.now, ...(acl ? { acl } : {}) });
  }
}

/** A failed check naming the error, its cause and fix, and the permission it lacks. */
export function failed(name: string, e: StoreError, t: StoreTarget, what: string): Check {
  const x = explanationOf(e, t);
  const missing = e.code === 'AccessDenied' ? permissionFor(e.details.operation, t) : undefined;
  return {
    name,
    status: 'fail',
    message: `${what}: ${e.code}${x ? ` — ${x.cause}; fix: ${x.fix}` : e.message ? ` — ${e.message}` : ''}`,
    ...(missing ? { missing } : {}),
    code: e.code,
  };
}

export async function probeList(ctx: ProbeContext): Promise<StoreError | undefined> {
  const r = await attempt(ctx, 'ListObjectsV2', undefined, () =>
    ctx.client.send(
      new ListObjectsV2Command({
        Bucket: ctx.target.bucket,
        Prefix: ctx.target.prefix || undefined,
        MaxKeys: 1,
      }),
    ),
  );
  return r instanceof StoreError ? r : undefined;
}

/** The bucket's region as the store tells it: HeadBucket's header, else GetBucketLocation. */
export async function probeRegion(
  ctx: ProbeContext,
  seen: () => string | undefined,
): Promise<{ region: string | undefined; how: string }> {
  await attempt(ctx, 'HeadBucket', undefined, () =>
    ctx.client.send(new HeadBucketCommand({ Bucket: ctx.target.bucket })),
  );
  const fromHeader = seen();
  if (fromHeader) return { region: fromHeader, how: 'x-amz-bucket-region' };
  const r = await attempt(ctx, 'GetBucketLocation', undefined, () =>
    ctx.client.send(new GetBucketLocationCommand({ Bucket: ctx.target.bucket })),
  );
  if (r instanceof StoreError) return { region: undefined, how: `GetBucketLocation: ${r.code}` };
  // An empty LocationConstraint means us-east-1 (S3's oldest quirk).
  return { region: r.LocationConstraint || 'us-east-1', how: 'GetBucketLocation' };
}

/** Who the store says the credentials belong to (ListBuckets' Owner), for stores without STS. */
export async function probeOwner(ctx: ProbeContext): Promise<string | StoreError> {
  const r = await attempt(ctx, 'ListBuckets', undefined, () =>
    ctx.client.send(new ListBucketsCommand({})),
  );
  if (r instanceof StoreError) return r;
  const { ID, DisplayName } = r.Owner ?? {};
  return DisplayName && DisplayName !== ID ? `${DisplayName} (${ID ?? '?'})` : (ID ?? 'unnamed');
}

/** The probe key: under the prefix, unlikely to collide, obviously ours. */
export function probeKey(prefix: string): string {
  return `${prefix}.s3ship-doctor-${randomBytes(6).toString('hex')}`;
}

export const PROBE_BODY = Buffer.from('s3ship doctor probe: safe to delete\n');

export async function probePut(
  ctx: ProbeContext,
  key: string,
  settings: ObjectSettings = {},
  aclLabel?: string,
): Promise<StoreError | undefined> {
  const input: PutObjectCommandInput = {
    Bucket: ctx.target.bucket,
    Key: key,
    Body: PROBE_BODY,
    ContentLength: PROBE_BODY.length,
    ContentMD5: createHash('md5').update(PROBE_BODY).digest('base64'),
    ContentType: 'text/plain',
    ACL: settings.acl as PutObjectCommandInput['ACL'],
    GrantRead: settings.grantRead,
    GrantReadACP: settings.grantReadAcp,
    GrantWriteACP: settings.grantWriteAcp,
    GrantFullControl: settings.grantFullControl,
  };
  const r = await attempt(
    ctx,
    'PutObject',
    key,
    () => ctx.client.send(new PutObjectCommand(input)),
    aclLabel,
  );
  return r instanceof StoreError ? r : undefined;
}

/** Reads the probe back; a body that differs is reported as an error of its own. */
export async function probeGet(ctx: ProbeContext, key: string): Promise<StoreError | undefined> {
  const r = await attempt(ctx, 'GetObject', key, async () => {
    const out = await ctx.client.send(
      new GetObjectCommand({ Bucket: ctx.target.bucket, Key: key }),
    );
    return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  });
  if (r instanceof StoreError) return r;
  if (!r.equals(PROBE_BODY))
    return new StoreError(
      'ProbeMismatch',
      `read back ${r.length} bytes that differ from the ${PROBE_BODY.length} written`,
      {
        retryable: false,
        fatal: true,
        operation: 'GetObject',
        key,
      },
    );
  return undefined;
}

/** Deletes the probe the way a deploy deletes (DeleteObjects), per-key errors included. */
export async function probeDelete(ctx: ProbeContext, key: string): Promise<StoreError | undefined> {
  const r = await attempt(ctx, 'DeleteObjects', key, () =>
    ctx.client.send(
      new DeleteObjectsCommand({
        Bucket: ctx.target.bucket,
        Delete: { Objects: [{ Key: key }], Quiet: false },
      }),
    ),
  );
  if (r instanceof StoreError) return r;
  const e = r.Errors?.[0];
  if (!e) return undefined;
  return new StoreError(e.Code ?? 'UnknownError', e.Message ?? '', {
    retryable: false,
    fatal: true,
    operation: 'DeleteObjects',
    key,
  });
}

/** Removes the probe with a plain DeleteObject (cleanup, when DeleteObjects is not the check). */
export async function removeProbe(ctx: ProbeContext, key: string): Promise<StoreError | undefined> {
  const r = await attempt(ctx, 'DeleteObject', key, () =>
    ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.target.bucket, Key: key })),
  );
  return r instanceof StoreError ? r : undefined;
}
