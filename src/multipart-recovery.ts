/**
 * Leaving no multipart upload open, even when answers are lost. Two cases the plain
 * create → parts → complete/abort sequence misses:
 *
 * - CreateMultipartUpload reached the store but its answer did not reach us (a reset, a
 *   timeout): the retry creates a second upload and the first one's id was never learnt — or
 *   the retries give up (an outage) and no id is learnt at all. S3 has no idempotency token for
 *   it, so after such a create, successful or not, we list the key's open uploads and abort the
 *   ones the lost attempts made — those begun since our first attempt, allowing
 *   15 minutes for clock skew (SigV4 refuses requests skewed more than that, so a store's clock
 *   cannot be further off).
 * - AbortMultipartUpload reached the store but its answer was lost: the retry gets
 *   NoSuchUpload, which means the upload is gone, i.e. done.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { CleanupRunner } from './execute.js';
import { StoreError, type ObjectStore } from './store/store.js';

/** SigV4's clock-skew limit: a store's clock is at most this far from ours. */
const SKEW_MS = 15 * 60 * 1000;

export interface RecoveryContext {
  store: ObjectStore;
  cleanup: CleanupRunner;
  warn: (message: string) => void;
}

/** Aborts an upload, patiently; an upload that is already gone counts as aborted. */
export async function abortUpload(
  ctx: RecoveryContext,
  key: string,
  uploadId: string,
): Promise<void> {
  try {
    // A part the store was still receiving when the abort ran (its connection cut by the
    // outage that failed the upload) can leave the upload listed again afterwards (seen on
    // Ceph RGW). So abort, then confirm it is gone where the store can list uploads, a few times.
    for (let round = 1; ; round++) {
      await ctx.cleanup('AbortMultipartUpload', key, () =>
        ctx.store.abortMultipart(key, uploadId).catch((error: unknown) => {
          if (error instanceof StoreError && error.code === 'NoSuchUpload') return;
          throw error;
        }),
      );
      if (round >= ABORT_ROUNDS || !(await stillOpen(ctx, key, uploadId))) return;
      await delay(ABORT_RECHECK_MS * 2 ** (round - 1));
    }
  } catch (error) {
    const why =
      error instanceof StoreError
        ? `${error.code}${error.message ? ` (${error.message})` : ''}`
        : String(error);
    ctx.warn(
      `Could not abort the multipart upload ${uploadId} of ${key}: ${why} — it stays open (and billed) until aborted: run s3ship again, or add a lifecycle rule with AbortIncompleteMultipartUpload.`,
    );
  }
}

/**
 * Aborts per upload, at most, and the first pause before looking again (doubled each round:
 * 0.5, 1, 2, 4, 8 s — about 15 s in all). Only an upload that keeps coming back waits that
 * long. (An upload left open in faults-gateway, "killed for 6 s", was first blamed on too few
 * rounds; its real cause was a CreateMultipartUpload whose answer the outage cut and whose
 * retries then gave up — see sweepLostUploads' callers in upload.ts.)
 */
const ABORT_ROUNDS = 6;
const ABORT_RECHECK_MS = 500;

/** Whether the store still lists the upload; false where it cannot say. */
async function stillOpen(ctx: RecoveryContext, key: string, uploadId: string): Promise<boolean> {
  const list = ctx.store.listUploads?.bind(ctx.store);
  if (!list) return false;
  try {
    const open = await ctx.cleanup('ListMultipartUploads', key, () => list(key));
    return open.some((u) => u.uploadId === uploadId);
  } catch {
    return false;
  }
}

/**
 * After a CreateMultipartUpload with an attempt whose answer was lost (first attempt at
 * `firstAttemptAt`, our clock): aborts the key's open uploads begun since then other than
 * `ours` (the one we learnt, if any attempt succeeded), which those lost attempts created.
 * Never fails the upload: at worst it warns.
 */
export async function sweepLostUploads(
  ctx: RecoveryContext,
  key: string,
  ours: string | undefined,
  firstAttemptAt: number,
): Promise<void> {
  const list = ctx.store.listUploads?.bind(ctx.store);
  if (!list) return;
  let open;
  try {
    open = await ctx.cleanup('ListMultipartUploads', key, () => list(key));
  } catch (error) {
    const why = error instanceof StoreError ? error.code : String(error);
    ctx.warn(
      `Could not list the open multipart uploads of ${key} after a CreateMultipartUpload whose answer was lost (${why}); one may be left open — a lifecycle rule with AbortIncompleteMultipartUpload removes it.`,
    );
    return;
  }
  const lost = open.filter(
    (u) =>
      u.uploadId !== ours &&
      u.initiated !== undefined &&
      u.initiated.getTime() >= firstAttemptAt - SKEW_MS,
  );
  for (const u of lost) await abortUpload(ctx, key, u.uploadId);
  if (lost.length > 0) {
    ctx.warn(
      `aborted ${lost.length} multipart upload(s) of ${key} that a CreateMultipartUpload made although its answer was lost`,
    );
  }
}
