/**
 * Uploading one file: a single PUT below the multipart threshold, parts above it. Every
 * request carries Content-MD5, so the store refuses bytes damaged on the way. The bytes are
 * checked against what the plan saw: a file that changed or vanished since it was scanned or
 * hashed is refused rather than published with a stale decision.
 */
import { createHash } from 'node:crypto';
import { readBody, readRange } from './body.js';
import { ourPartSize, partCount } from './etag.js';
import type { RequestRunner } from './execute.js';
import { digestBuffer, digestFile, md5Base64 } from './hash.js';
import type { PlanItem } from './plan.js';
import type { ResolvedSettings } from './settings.js';
import type { CompletedPart, ObjectStore } from './store/store.js';

/** User metadata key holding the MD5 of the uploaded bytes: proves equality when ETags cannot. */
export const MD5_METADATA_KEY = 's3ship-md5';

export interface UploadContext {
  store: ObjectStore;
  multipart: { threshold: number; partSize: number };
  request: RequestRunner;
  signal: AbortSignal;
  warn: (message: string) => void;
}

export class FileChangedError extends Error {
  override readonly name = 'FileChangedError';
}

export interface Uploaded {
  /** Number of parts (1 for a single PUT). */
  parts: number;
  /** Bytes sent (after compression). */
  bytes: number;
}

export async function uploadFile(item: PlanItem, ctx: UploadContext): Promise<Uploaded> {
  const { file, settings } = item;
  if (!file || !settings) throw new Error(`plan item ${item.key} has no file to upload`);
  const onDisk = !settings.compress && file.size >= ctx.multipart.threshold;
  if (onDisk) return uploadPartsFromDisk(item, file.absPath, file.size, settings, ctx);

  const body = await readBody(file.absPath, settings).catch((error: unknown) => {
    throw new FileChangedError(`cannot read ${file.relPath}: ${(error as Error).message}`);
  });
  if (!settings.compress && body.length !== file.size) {
    throw new FileChangedError(
      `${file.relPath} changed since it was scanned (${file.size} → ${body.length} bytes); run the deploy again`,
    );
  }
  const digest = digestBuffer(body);
  checkUnchanged(item, digest.md5);
  const metadata = { ...settings.metadata, [MD5_METADATA_KEY]: digest.md5 };
  if (body.length >= ctx.multipart.threshold) {
    const parts = await uploadParts(
      item,
      body.length,
      settings,
      metadata,
      ctx,
      (offset, length) => Promise.resolve(body.subarray(offset, offset + length)),
      null,
    );
    return { parts, bytes: body.length };
  }
  await ctx.request('PutObject', item.key, (signal) =>
    ctx.store.put(
      { key: item.key, body, contentMd5: md5Base64(digest.md5), settings, metadata },
      signal,
    ),
  );
  return { parts: 1, bytes: body.length };
}

async function uploadPartsFromDisk(
  item: PlanItem,
  absPath: string,
  size: number,
  settings: ResolvedSettings,
  ctx: UploadContext,
): Promise<Uploaded> {
  const partSize = ourPartSize(size, ctx.multipart.partSize);
  // One read up front gives the whole-file MD5 (stored in metadata at create time) and each
  // part's MD5, which every part read later must reproduce.
  const digest = await digestFile(absPath, [partSize], ctx.signal);
  if (digest.size !== size) {
    throw new FileChangedError(
      `${item.file?.relPath ?? item.key} changed since it was scanned (${size} → ${digest.size} bytes); run the deploy again`,
    );
  }
  checkUnchanged(item, digest.md5);
  const metadata = { ...settings.metadata, [MD5_METADATA_KEY]: digest.md5 };
  const parts = await uploadParts(
    item,
    size,
    settings,
    metadata,
    ctx,
    (offset, length) => readRange(absPath, offset, length),
    digest.partDigests.get(partSize) ?? null,
  );
  return { parts, bytes: size };
}

/**
 * Multipart upload: create, parts in parallel (each through the shared request limiter, read
 * inside its slot so at most `concurrency` part buffers exist), complete; abort on any failure
 * so no half upload lingers (and bills) on the store.
 */
async function uploadParts(
  item: PlanItem,
  size: number,
  settings: ResolvedSettings,
  metadata: Record<string, string>,
  ctx: UploadContext,
  readPart: (offset: number, length: number) => Promise<Buffer>,
  expected: Buffer[] | null,
): Promise<number> {
  const partSize = ourPartSize(size, ctx.multipart.partSize);
  const count = partCount(size, partSize);
  const uploadId = await ctx.request('CreateMultipartUpload', item.key, (signal) =>
    ctx.store.createMultipart({ key: item.key, settings, metadata }, signal),
  );
  const local = new AbortController();
  const onStop = () => local.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onStop, { once: true });
  try {
    const parts = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        sendPart(item.key, uploadId, index, {
          size,
          partSize,
          readPart,
          expected,
          ctx,
          signal: local.signal,
        }).catch((error: unknown) => {
          local.abort(error);
          throw error;
        }),
      ),
    );
    await ctx.request('CompleteMultipartUpload', item.key, (signal) =>
      ctx.store.completeMultipart(item.key, uploadId, parts, signal),
    );
    return count;
  } catch (error) {
    await ctx.store
      .abortMultipart(item.key, uploadId)
      .catch((abortError: unknown) =>
        ctx.warn(
          `Could not abort the multipart upload ${uploadId} of ${item.key}: ${String(abortError)} — remove it with a lifecycle rule (AbortIncompleteMultipartUpload).`,
        ),
      );
    throw error;
  } finally {
    ctx.signal.removeEventListener('abort', onStop);
  }
}

interface PartJob {
  size: number;
  partSize: number;
  readPart: (offset: number, length: number) => Promise<Buffer>;
  expected: Buffer[] | null;
  ctx: UploadContext;
  signal: AbortSignal;
}

async function sendPart(
  key: string,
  uploadId: string,
  index: number,
  job: PartJob,
): Promise<CompletedPart> {
  const offset = index * job.partSize;
  const length = Math.min(job.partSize, job.size - offset);
  return job.ctx.request('UploadPart', key, async (requestSignal) => {
    job.signal.throwIfAborted();
    const body = await job.readPart(offset, length);
    const md5 = createHash('md5').update(body).digest();
    const want = job.expected?.[index];
    if (want && !want.equals(md5)) {
      throw new FileChangedError(
        `${key}: part ${index + 1} changed while uploading; run the deploy again`,
      );
    }
    return job.ctx.store.uploadPart(
      key,
      uploadId,
      index + 1,
      body,
      md5.toString('base64'),
      AbortSignal.any([requestSignal, job.signal]),
    );
  });
}

function checkUnchanged(item: PlanItem, md5: string): void {
  if (item.md5 !== undefined && item.md5 !== md5) {
    throw new FileChangedError(
      `${item.file?.relPath ?? item.key} changed between hashing and upload; run the deploy again`,
    );
  }
}
