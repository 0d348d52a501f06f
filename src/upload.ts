/**
 * Uploading one file: a single PUT below the multipart threshold, parts above it. Every
 * request carries Content-MD5, so the store refuses bytes damaged on the way. The bytes are
 * checked against what the plan saw: a file that changed or vanished since it was scanned or
 * hashed is refused rather than published with a stale decision.
 */
import { createHash } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import { readBody, readRange } from './body.js';
import type { PartPool } from './part-pool.js';
import { multipartEtag, ourPartSize, partCount } from './etag.js';
import type { CleanupRunner, RequestRunner } from './execute.js';
import { digestBuffer, digestFile, md5Base64 } from './hash.js';
import { abortUpload, sweepLostUploads } from './multipart-recovery.js';
import type { PlanItem } from './plan.js';
import { localPath, type LocalFile } from './scan.js';
import type { ResolvedSettings } from './settings.js';
import { StoreError, type CompletedPart, type ObjectStore } from './store/store.js';

/** User metadata key holding the MD5 of the uploaded bytes: proves equality when ETags cannot. */
export const MD5_METADATA_KEY = 's3ship-md5';

export interface UploadContext {
  store: ObjectStore;
  multipart: { threshold: number; partSize: number };
  request: RequestRunner;
  cleanup: CleanupRunner;
  /** Bounds the part bodies held in memory at once (see PART_MEMORY_BYTES). */
  partBuffers: LimitFunction;
  /** Reused buffers for parts read from disk. */
  partPool: PartPool;
  signal: AbortSignal;
  warn: (message: string) => void;
}

/**
 * Memory for part bodies in flight, whatever the request concurrency: many small PUTs in
 * flight are cheap and fast, but 64 parts of 8 MiB would hold 512 MiB. With 8 MiB parts this
 * lets 16 parts go up at once. Measured on the local gateway (256 MiB file, 2 cores): 8, 16
 * and 32 parts in flight gave the same wall time within noise (the store's ingest and MD5 are
 * the limit), while peak RSS went 190 → 290 → 340 MB; AWS's own CLI sends 10 at a time.
 */
export const PART_MEMORY_BYTES = 128 * 1024 * 1024;

/** How many part bodies may be held at once for this part size. */
export function partsHeld(partSize: number): number {
  return Math.max(2, Math.floor(PART_MEMORY_BYTES / partSize));
}

export function partBufferLimit(partSize: number): LimitFunction {
  return pLimit(partsHeld(partSize));
}

/**
 * Parts are read from disk two at a time, in part order. Started together, the 16 reads of
 * 8 MiB that 16 parts in flight ask for share the four threads of libuv's pool, and each
 * read's stat and close queue behind the others' reads: the first part was ready to send only
 * ~165 ms after the upload began, with the store idle. Two at a time, the first is ready in a
 * few milliseconds, and reading still outruns any store (8 MiB from the page cache in ~5 ms,
 * against ~55 ms to send it at 150 MB/s).
 */
const partReads = pLimit(2);

export class FileChangedError extends Error {
  override readonly name = 'FileChangedError';
}

export interface Uploaded {
  /** Number of parts (1 for a single PUT). */
  parts: number;
  /** Bytes sent (after compression). */
  bytes: number;
  /** The settings the object was written with (its Content-Type resolved). */
  settings: ResolvedSettings;
  /** MD5 of the bytes sent, where it was computed (not for parts read from disk, unless SSE-KMS). */
  md5?: string;
  /**
   * The ETag the object should have, where the store's answers tell (the MD5 of a single PUT,
   * the multipart ETag of the parts' ETags); not for SSE-KMS, whose ETags are no MD5s.
   */
  etag?: string;
}

let contentTypes: Promise<typeof import('./content-type.js')> | undefined;

/** The settings a plan item's object gets, its Content-Type resolved. */
export async function resolvedSettings(item: PlanItem): Promise<ResolvedSettings> {
  const { file } = item;
  if (!file || !item.settings) throw new Error(`plan item ${item.key} has no file to upload`);
  // The MIME database loads on the first upload only; later uploads reuse the loaded module
  // without going through the module loader again.
  contentTypes ??= import('./content-type.js');
  return (await contentTypes).withContentType(item.settings, file.relPath);
}

export async function uploadFile(item: PlanItem, ctx: UploadContext): Promise<Uploaded> {
  const { file } = item;
  if (!file || !item.settings) throw new Error(`plan item ${item.key} has no file to upload`);
  const settings = await resolvedSettings(item);
  const onDisk = !settings.compress && file.size >= ctx.multipart.threshold;
  if (onDisk) return uploadPartsFromDisk(item, localPath(file), file.size, settings, ctx);
  // A single PUT of a sizeable file holds it whole in memory: count it against the part budget.
  if (!settings.compress && file.size > LARGE_BODY) {
    return ctx.partBuffers(() => uploadWhole(item, file, settings, ctx));
  }
  return uploadWhole(item, file, settings, ctx);
}

/** Bodies above this size count against PART_MEMORY_BYTES. */
const LARGE_BODY = 1024 * 1024;

/** Reads the file (compressing it if the rules say so) and sends it in one PUT, or in parts. */
async function uploadWhole(
  item: PlanItem,
  file: LocalFile,
  settings: ResolvedSettings,
  ctx: UploadContext,
): Promise<Uploaded> {
  const body = await readBody(localPath(file), settings, file.size).catch((error: unknown) => {
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
    const { parts, etag } = await uploadParts(
      item,
      body.length,
      settings,
      metadata,
      ctx,
      (offset, length) => Promise.resolve({ bytes: body.subarray(offset, offset + length) }),
      null,
    );
    return { parts, bytes: body.length, settings, md5: digest.md5, ...plainEtag(settings, etag) };
  }
  await ctx.request('PutObject', item.key, (signal) =>
    ctx.store.put(
      { key: item.key, body, contentMd5: md5Base64(digest.md5), settings, metadata },
      signal,
    ),
  );
  return {
    parts: 1,
    bytes: body.length,
    settings,
    md5: digest.md5,
    ...plainEtag(settings, digest.md5),
  };
}

async function uploadPartsFromDisk(
  item: PlanItem,
  absPath: string,
  size: number,
  settings: ResolvedSettings,
  ctx: UploadContext,
): Promise<Uploaded> {
  const seen = { size, mtimeMs: item.file?.mtimeMs };
  const partSize = ourPartSize(size, ctx.multipart.partSize);
  // Into a pooled buffer (see part-pool.ts), handed back once the part's request settled.
  const readPart: PartReader = async (offset, length) => {
    const buffer = ctx.partPool.take(partSize);
    try {
      const bytes = await partReads(() => readRange(absPath, offset, length, seen, buffer));
      return { bytes, release: () => ctx.partPool.give(buffer) };
    } catch (error) {
      ctx.partPool.give(buffer);
      throw error;
    }
  };
  // Each part's MD5 is computed once, as the part is read for sending (Content-MD5), and every
  // read checks the file is still what the scan saw. A whole-file MD5 would cost another pass
  // over a file that may be gigabytes; it is worth it only where the ETag will not be an MD5
  // (SSE-KMS), so that later runs can still recognise the object by the MD5 in its metadata.
  if (!settings.serverSideEncryption?.startsWith('aws:kms')) {
    const { parts, etag } = await uploadParts(
      item,
      size,
      settings,
      { ...settings.metadata },
      ctx,
      readPart,
      null,
    );
    return { parts, bytes: size, settings, ...plainEtag(settings, etag) };
  }
  const digest = await digestFile(absPath, [partSize], ctx.signal);
  if (digest.size !== size) {
    throw new FileChangedError(
      `${item.file?.relPath ?? item.key} changed since it was scanned (${size} → ${digest.size} bytes); run the deploy again`,
    );
  }
  checkUnchanged(item, digest.md5);
  const metadata = { ...settings.metadata, [MD5_METADATA_KEY]: digest.md5 };
  const { parts } = await uploadParts(
    item,
    size,
    settings,
    metadata,
    ctx,
    readPart,
    digest.partDigests.get(partSize) ?? null,
  );
  return { parts, bytes: size, settings, md5: digest.md5 };
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
  readPart: PartReader,
  expected: Buffer[] | null,
): Promise<{ parts: number; etag: string | undefined }> {
  const partSize = ourPartSize(size, ctx.multipart.partSize);
  const count = partCount(size, partSize);
  // Not cancelled by a stop: the store may create the upload after the client gave up on the
  // answer, and an upload whose id we never learnt can never be aborted. Once we have the id,
  // a stop fails the parts and the catch below aborts it.
  // An attempt whose answer was lost (reset, timeout, 5xx) may have created an upload we will
  // never hear of — whether a later attempt succeeds or the create gives up (retries spent, or
  // the deploy stopped while it waited to retry). Either way the key's uploads begun since are
  // swept, patiently, so none is left open and billed.
  const firstAttemptAt = Date.now();
  let unsure = false;
  let uploadId: string;
  try {
    uploadId = await ctx.request('CreateMultipartUpload', item.key, () =>
      ctx.store.createMultipart({ key: item.key, settings, metadata }).catch((error: unknown) => {
        unsure ||= mayHaveActed(error);
        throw error;
      }),
    );
  } catch (error) {
    if (unsure) await sweepLostUploads(ctx, item.key, undefined, firstAttemptAt);
    throw error;
  }
  if (unsure) await sweepLostUploads(ctx, item.key, uploadId, firstAttemptAt);
  const local = new AbortController();
  const onStop = () => local.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onStop, { once: true });
  const sends = Array.from({ length: count }, (_, index) =>
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
  );
  try {
    const parts = await Promise.all(sends);
    await ctx.request('CompleteMultipartUpload', item.key, (signal) =>
      ctx.store.completeMultipart(item.key, uploadId, parts, signal),
    );
    return { parts: count, etag: etagOfParts(parts) };
  } catch (error) {
    // A part still on the wire could be stored after the abort and linger (S3: "it might be
    // necessary to abort a given multipart upload multiple times"), so let every part settle.
    await Promise.allSettled(sends);
    await abortUpload(ctx, item.key, uploadId);
    throw error;
  } finally {
    ctx.signal.removeEventListener('abort', onStop);
  }
}

/**
 * The multipart ETag the parts make (md5 of their MD5s, `-N`), from the ETags the store answered
 * for them; undefined if one of those is not an MD5.
 */
function etagOfParts(parts: readonly CompletedPart[]): string | undefined {
  const digests = parts.map((p) => p.etag.replace(/"/g, ''));
  if (!digests.every((d) => /^[0-9a-f]{32}$/.test(d))) return undefined;
  return multipartEtag(digests.map((d) => Buffer.from(d, 'hex')));
}

/** `{ etag }` where the object's ETag will be it: not under SSE-KMS (its ETags are no MD5s). */
function plainEtag(settings: ResolvedSettings, etag: string | undefined): { etag?: string } {
  return etag !== undefined && !settings.serverSideEncryption?.startsWith('aws:kms')
    ? { etag }
    : {};
}

/** A part's bytes, and (for a pooled buffer) how to hand its memory back when done with it. */
interface PartBytes {
  bytes: Buffer;
  release?: () => void;
}

type PartReader = (offset: number, length: number) => Promise<PartBytes>;

interface PartJob {
  size: number;
  partSize: number;
  readPart: PartReader;
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
  // A part slot first, then a request slot: the body is read only once both are held.
  return job.ctx.partBuffers(() =>
    job.ctx.request('UploadPart', key, async (requestSignal) => {
      job.signal.throwIfAborted();
      const { bytes: body, release } = await job.readPart(offset, length);
      try {
        const md5 = createHash('md5').update(body).digest();
        const want = job.expected?.[index];
        if (want && !want.equals(md5)) {
          throw new FileChangedError(
            `${key}: part ${index + 1} changed while uploading; run the deploy again`,
          );
        }
        return await job.ctx.store.uploadPart(
          key,
          uploadId,
          index + 1,
          body,
          md5.toString('base64'),
          AbortSignal.any([requestSignal, job.signal]),
        );
      } finally {
        release?.();
      }
    }),
  );
}

/** Whether a failed request may still have been carried out: no answer, or a server error. */
function mayHaveActed(error: unknown): boolean {
  const status = error instanceof StoreError ? error.details.status : undefined;
  return status === undefined || status >= 500;
}

function checkUnchanged(item: PlanItem, md5: string): void {
  if (item.md5 !== undefined && item.md5 !== md5) {
    throw new FileChangedError(
      `${item.file?.relPath ?? item.key} changed between hashing and upload; run the deploy again`,
    );
  }
}
