/**
 * Carries out a plan, in the order that never breaks a live site: assets first, then entry
 * documents (so no page is published before what it links to), then deletes — and deletes
 * only when every upload succeeded. Every store request goes through one p-limit queue, so
 * no more than `concurrency` requests are ever in flight. A fatal error (credentials, access,
 * missing bucket) stops scheduling; what did not run is reported as not run.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { AimdLimit, isThrottle } from './adaptive.js';
import { PartPool } from './part-pool.js';
import {
  MD5_METADATA_KEY,
  partBufferLimit,
  partsHeld,
  resolvedSettings,
  uploadFile,
  type UploadContext,
} from './upload.js';
import type { ResolvedSettings } from './settings.js';
import { HeadStart } from './head-start.js';
import { retryEvent, type EventSink } from './events.js';
import { explainStoreError } from './explain.js';
import type { Plan, PlanItem } from './plan.js';
import { cleanupPolicy, withRetry, type RetryPolicy } from './retry.js';
import { StoreError, type ObjectStore, type Written } from './store/store.js';

export interface ExecuteOptions {
  store: ObjectStore;
  concurrency: number;
  /** The run's one request limiter (of `concurrency`), when others share it; else its own. */
  limit?: LimitFunction;
  multipart: { threshold: number; partSize: number };
  retry: RetryPolicy;
  emit: EventSink;
  signal?: AbortSignal;
}

export type OutcomeStatus = 'done' | 'failed' | 'not-run';

export interface Outcome {
  item: PlanItem;
  status: OutcomeStatus;
  message?: string;
  /** Bytes actually sent, for uploads that are done. */
  bytes?: number;
  /** Writes that are done: what the object now is, for the deploy state (see observe.ts). */
  wrote?: WroteObject;
}

/** An object this run wrote: its settings, the MD5 of its bytes where known, and the store's answer. */
export interface WroteObject {
  /** The object's size (after compression). */
  size: number;
  settings: ResolvedSettings;
  md5: string | undefined;
  /** The ETag the object should have, where the upload's answers told (upload.ts Uploaded). */
  etag?: string;
  /** ETag and LastModified where the store's answer named them (CopyObject does; PUT does not). */
  answer?: Written;
}

export interface ExecuteResult {
  outcomes: Outcome[];
  /** Set when a fatal error stopped the deploy: its explanation. */
  fatal?: string;
  /** The error behind `fatal`, for the exit code. */
  fatalError?: unknown;
}

/**
 * Files that may start before the plan is complete, per request slot: 512 at the default
 * concurrency of 64, several times what the store takes in while a 2,000-file tree is scanned.
 */
const EARLY_FILES_PER_SLOT = 8;

/** DeleteObjects takes at most 1,000 keys per request. */
const DELETE_BATCH = 1000;

/** Runs one store request through the shared limiter, with retries outside the slot. */
export type RequestRunner = <T>(
  operation: string,
  key: string,
  fn: (signal: AbortSignal) => Promise<T>,
) => Promise<T>;

/** Runs one cleanup request: retried patiently, not cancelled by a stop. */
export type CleanupRunner = <T>(operation: string, key: string, fn: () => Promise<T>) => Promise<T>;

export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<ExecuteResult> {
  return new Executor(options).execute(plan);
}

/**
 * One deploy's executor. It exists before the plan is complete so that a new asset whose
 * decision is already final can get a head start (`startEarly`); `execute` then carries out
 * the whole plan, that upload included, in the same order and with the same reports as if it
 * had started there.
 */
export class Executor {
  private readonly limit: LimitFunction;
  private readonly partBuffers: LimitFunction;
  private readonly partPool: PartPool;
  /** Narrows `limit` while the store throttles (never above `concurrency`): see adaptive.ts. */
  private readonly adaptive: AimdLimit;
  private readonly stop = new AbortController();
  private readonly outcomes: Outcome[] = [];
  private fatal: { message: string; error: unknown } | undefined;
  /** Uploads started before the plan was complete (see head-start.ts). */
  private readonly headStart: HeadStart;

  constructor(private readonly options: ExecuteOptions) {
    this.limit = options.limit ?? pLimit(options.concurrency);
    this.partBuffers = partBufferLimit(options.multipart.partSize);
    this.partPool = new PartPool(partsHeld(options.multipart.partSize));
    this.headStart = new HeadStart((item) => uploadFile(item, this.uploadContext()), {
      inFlight: options.concurrency,
      total: EARLY_FILES_PER_SLOT * options.concurrency,
    });
    this.adaptive = new AimdLimit({
      max: options.concurrency,
      onChange: ({ limit, newLow, cause }) => {
        this.limit.concurrency = limit;
        // Said once per new low, so a long throttled deploy logs a handful of lines, not one per cut.
        if (newLow && cause instanceof StoreError)
          options.emit({
            type: 'warning',
            message: `the store is throttling (${cause.code} on ${cause.details.operation}); requests in flight lowered to ${limit} of ${options.concurrency}`,
          });
      },
    });
    options.signal?.addEventListener('abort', () => this.stop.abort(options.signal?.reason), {
      once: true,
    });
    if (options.signal?.aborted) this.stop.abort(options.signal.reason);
  }

  async execute(plan: Plan): Promise<ExecuteResult> {
    // From here the plan decides what starts; what started early is awaited where it stands.
    const earlyDone = this.headStart.close();
    await this.uploadAll(plan.assets, 'upload-assets');
    if (this.clean) await this.uploadAll(plan.entries, 'upload-entries');
    else
      this.skipAll(
        plan.entries,
        'not uploaded: an asset failed, and entry documents wait for every asset',
      );
    if (this.clean) await this.deleteAll(plan.deletes);
    else this.skipAll(plan.deletes, 'not deleted: deletes run only when every upload succeeded');
    // Every early upload is in the plan's uploads (a key found absent stays new); should one
    // not be, it is still waited for, never left running behind the result.
    await earlyDone;
    return this.result();
  }

  /**
   * Offers a new asset whose decision is already final (the listing passed its key without
   * finding it) for an early start: see head-start.ts.
   */
  startEarly(item: PlanItem): void {
    this.headStart.offer(item);
  }

  /**
   * The plan will not be executed (the compare failed): stops the uploads started early (a
   * multipart one is aborted) and waits until they are settled.
   */
  async abandon(reason: unknown): Promise<void> {
    this.stop.abort(reason);
    await this.headStart.close();
  }

  /** No failure and no stop so far. */
  get clean(): boolean {
    return !this.stop.signal.aborted && this.outcomes.every((o) => o.status === 'done');
  }

  readonly request: RequestRunner = (operation, key, fn) => {
    // A throttle uses up an attempt only if no request succeeded since this one was last
    // refused (or first sent): then the store refuses everything — it is failing, and five
    // attempts are what outlasts that. Refused while others succeed, the store is busy, the
    // limit is answering it, and counting such refusals failed deploys on a store taking 2 or 3
    // at once (test/unit/adaptive.test.ts). Bounded: each such retry needs a success before it,
    // and a deploy has only so many requests.
    let successesAtLastRefusal: number | undefined;
    let counts = true;
    return withRetry(
      () =>
        this.limit(async () => {
          this.stop.signal.throwIfAborted();
          const ticket = this.adaptive.started();
          successesAtLastRefusal ??= this.adaptive.successes;
          try {
            const result = await fn(this.stop.signal);
            this.adaptive.succeeded(ticket);
            return result;
          } catch (error) {
            counts = true;
            if (isThrottle(error)) {
              this.adaptive.throttled(ticket, error);
              counts = this.adaptive.successes === successesAtLastRefusal;
              successesAtLastRefusal = this.adaptive.successes;
            }
            throw error;
          }
        }),
      this.options.retry,
      {
        signal: this.stop.signal,
        onRetry: (error, attempt, waitMs) =>
          this.options.emit(retryEvent(operation, key, error, attempt, waitMs)),
        forgiven: () => !counts,
      },
    );
  };

  /**
   * Cleanup requests (aborting a multipart upload) run even after a stop: through the same
   * limiter, retried with more patience, and never cancelled by the stop signal.
   */
  readonly cleanup: CleanupRunner = (operation, key, fn) =>
    withRetry(() => this.limit(fn), cleanupPolicy(this.options.retry), {
      onRetry: (error, attempt, waitMs) =>
        this.options.emit(retryEvent(operation, key, error, attempt, waitMs)),
    });

  async uploadAll(items: PlanItem[], phase: 'upload-assets' | 'upload-entries'): Promise<void> {
    if (items.length === 0) return;
    this.options.emit({ type: 'phase', phase, count: items.length });
    // File tasks are bounded too, so at most `concurrency` files hold a buffer at once; they
    // are pulled from the list as tasks finish, not queued up front (a queued promise and
    // closure per file grow with the tree: memory must stay flat at 200,000 files).
    let next = 0;
    const worker = async () => {
      for (let item = items[next++]; item; item = items[next++]) await this.uploadOne(item);
    };
    await Promise.all(
      Array.from({ length: Math.min(this.options.concurrency, items.length) }, worker),
    );
  }

  /** Uploads the item's file (`bytes`: also for an update, whose bytes the store could not copy). */
  private async uploadOne(item: PlanItem, bytes = false): Promise<void> {
    if (item.action === 'update' && !bytes) return this.updateOne(item);
    const early = this.headStart.get(item.key);
    if (this.stop.signal.aborted && !early)
      return this.record(item, 'not-run', this.notRunReason());
    try {
      const sent = await (early ?? uploadFile(item, this.uploadContext()));
      this.outcomes.push({
        item,
        status: 'done',
        bytes: sent.bytes,
        wrote: {
          size: sent.bytes,
          settings: sent.settings,
          md5: sent.md5,
          ...(sent.etag !== undefined ? { etag: sent.etag } : {}),
        },
      });
      this.options.emit({
        type: 'uploaded',
        key: item.key,
        bytes: sent.bytes,
        reason: item.reason,
        parts: sent.parts,
      });
    } catch (error) {
      this.fail(item, 'upload', error);
    }
  }

  /** New settings for an object whose bytes stay: a server-side copy onto itself. */
  private async updateOne(item: PlanItem): Promise<void> {
    if (this.stop.signal.aborted) return this.record(item, 'not-run', this.notRunReason());
    try {
      const settings = await resolvedSettings(item);
      const metadata = {
        ...settings.metadata,
        ...(item.md5 !== undefined ? { [MD5_METADATA_KEY]: item.md5 } : {}),
      };
      const answer = await this.request('CopyObject', item.key, (signal) =>
        this.options.store.copyInPlace(
          { key: item.key, size: item.size, etag: item.etag ?? '', settings, metadata },
          signal,
        ),
      );
      this.outcomes.push({
        item,
        status: 'done',
        bytes: 0,
        wrote: { size: item.size, settings, md5: item.md5, answer },
      });
      this.options.emit({ type: 'updated', key: item.key, detail: item.detail ?? '' });
    } catch (error) {
      if (!(error instanceof StoreError && error.code === 'NotImplemented'))
        return this.fail(item, 'update', error);
      // A store that cannot copy this object (Ceph RGW 16 copies no SSE-KMS object) gets the
      // bytes again: the settings must reach it.
      this.options.emit({
        type: 'warning',
        message: `the store cannot copy ${item.key} onto itself (CopyObject: NotImplemented); uploading its bytes again to apply the new settings`,
      });
      await this.uploadOne(item, true);
    }
  }

  private uploadContext(): UploadContext {
    return {
      store: this.options.store,
      multipart: this.options.multipart,
      request: this.request,
      cleanup: this.cleanup,
      partBuffers: this.partBuffers,
      partPool: this.partPool,
      signal: this.stop.signal,
      warn: (message) => this.options.emit({ type: 'warning', message }),
    };
  }

  async deleteAll(items: PlanItem[]): Promise<void> {
    if (items.length === 0) return;
    this.options.emit({ type: 'phase', phase: 'delete', count: items.length });
    const batches: PlanItem[][] = [];
    for (let i = 0; i < items.length; i += DELETE_BATCH)
      batches.push(items.slice(i, i + DELETE_BATCH));
    await Promise.all(batches.map((batch) => this.deleteBatch(batch)));
  }

  private async deleteBatch(batch: PlanItem[]): Promise<void> {
    if (this.stop.signal.aborted) return this.skipAll(batch, this.notRunReason());
    const first = batch[0]?.key ?? '';
    try {
      const result = await this.request('DeleteObjects', first, (signal) =>
        this.options.store.deleteMany(
          batch.map((i) => i.key),
          signal,
        ),
      );
      const errors = new Map(result.errors.map((e) => [e.key, e]));
      for (const item of batch) {
        const error = errors.get(item.key);
        if (error) {
          const message = explainStoreError(
            new StoreError(error.code, error.message, {
              retryable: false,
              fatal: false,
              operation: 'DeleteObjects',
              key: item.key,
            }),
            this.options.store.target,
          );
          this.record(item, 'failed', message);
          this.options.emit({ type: 'failed', key: item.key, operation: 'delete', message });
        } else {
          this.record(item, 'done');
          this.options.emit({ type: 'deleted', key: item.key });
        }
      }
    } catch (error) {
      for (const item of batch) this.fail(item, 'delete', error);
    }
  }

  skipAll(items: PlanItem[], message: string): void {
    for (const item of items) this.record(item, 'not-run', message);
  }

  private fail(item: PlanItem, operation: 'upload' | 'update' | 'delete', error: unknown): void {
    if (this.stop.signal.aborted && !(error instanceof StoreError)) {
      return this.record(item, 'not-run', this.notRunReason());
    }
    const message =
      error instanceof StoreError
        ? explainStoreError(error, this.options.store.target)
        : describeLocalError(item, error);
    this.record(item, 'failed', message);
    this.options.emit({ type: 'failed', key: item.key, operation, message });
    if (error instanceof StoreError && error.details.fatal && !this.fatal) {
      this.fatal = { message, error };
      this.stop.abort(error);
    }
  }

  private notRunReason(): string {
    return this.fatal
      ? `not run: stopped after a fatal error`
      : 'not run: the deploy was interrupted';
  }

  private record(item: PlanItem, status: OutcomeStatus, message?: string): void {
    this.outcomes.push({ item, status, ...(message === undefined ? {} : { message }) });
  }

  result(): ExecuteResult {
    return {
      outcomes: this.outcomes,
      ...(this.fatal ? { fatal: this.fatal.message, fatalError: this.fatal.error } : {}),
    };
  }
}

function describeLocalError(item: PlanItem, error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return `Upload of ${item.file?.relPath ?? item.key} failed: ${text}`;
}
