/**
 * One deploy (or plan), start to end: scan the source while listing the remote, compare,
 * plan, and — unless it is a plan or a dry run — execute. Entry points call this and nothing
 * else; it reads no flags and no process.env (the environment arrives in `deps`).
 */
import type { DeployConfig } from './config.js';
import pLimit from 'p-limit';
import { CREDENTIALS_UNAVAILABLE, resolveCredentials } from './credentials.js';
import { DEFAULT_CREDENTIALS } from './credentials/config.js';
import { S3shipError, type ErrorCode } from './errors.js';
import { retryEvent, type EventSink } from './events.js';
import { Executor, type Outcome } from './execute.js';
import { explainStoreError } from './explain.js';
import { CREDENTIAL_CODES } from './store/s3-errors.js';
import { gather } from './gather.js';
import { guardPlan } from './guards.js';
import { buildPlan, decideOne, planCounts, type LocalContent, type Plan } from './plan.js';
import { DEFAULT_RETRY, retryingReads, type RetryPolicy } from './retry.js';
import type { LocalFile, Skipped } from './scan.js';
import type { Scanner } from './scan-thread.js';
import { inShard, type Shard } from './shard.js';
import { StateKeeper } from './state/keeper.js';
import { stateLocation, stateUrl } from './state/location.js';
import { limitedReads } from './store/limited.js';
import { S3Store } from './store/s3-store.js';
import { unownedKeys } from './unowned.js';
import { StoreError, type ObjectStore, type StoreTarget } from './store/store.js';

export interface RunOptions {
  /** This job's share of the keys (`--shard i/n`); its deletes are left to `prune`. */
  shard?: Shard;
  /** `s3ship prune`: upload nothing, delete the stale keys (after every shard has run). */
  prune?: boolean;
  config: DeployConfig;
  /** Plan only: list what would happen, write nothing. */
  dryRun: boolean;
  force: boolean;
}

export interface RunDeps {
  env: Readonly<Record<string, string | undefined>>;
  emit: EventSink;
  signal?: AbortSignal;
  retry?: RetryPolicy;
  /** Builds the store; tests pass an in-memory one. */
  createStore?: (target: StoreTarget, config: DeployConfig) => ObjectStore;
  /** Added to this machine's clock when signing (tests skew it to provoke RequestTimeTooSkewed). */
  clockOffsetMs?: number;
  now?: () => number;
  /** Told every secret s3ship gets hold of, before anything could print it (GitHub ::add-mask::). */
  mask?: (secret: string) => void;
  /** Local keys per parallel listing range (tests cut small trees into many ranges). */
  keysPerRange?: number;
  /** Walks the source (the CLI's scan thread; by default the scan runs in this thread). */
  scanner?: Scanner;
}

export interface RunResult {
  target: StoreTarget;
  plan: Plan;
  skipped: Skipped[];
  /** Undefined for plans and dry runs. */
  outcomes: Outcome[] | undefined;
  fatal: string | undefined;
  fatalCode: ErrorCode | undefined;
  durationMs: number;
  credentialsSource: string;
}

export async function run(options: RunOptions, deps: RunDeps): Promise<RunResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const { config } = options;
  const target: StoreTarget = {
    bucket: config.target.bucket,
    prefix: config.target.prefix,
    region: config.target.region ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION,
    endpoint: config.target.endpoint,
  };
  // A test store needs no credentials; a real one gets them resolved (and checked) up front.
  const credentials = deps.createStore
    ? {
        described: Promise.resolve({ source: 'supplied with the store', principal: undefined }),
        provider: undefined,
      }
    : await resolveCredentials({
        config: config.credentials ?? DEFAULT_CREDENTIALS,
        env: deps.env,
        target,
        now,
        ...(deps.mask ? { mask: deps.mask } : {}),
        warn: (message) => deps.emit({ type: 'warning', message }),
      });
  const storeFor = (t: StoreTarget) =>
    deps.createStore?.(t, config) ??
    new S3Store({
      target: t,
      pathStyle: config.target.pathStyle,
      credentials: credentials.provider ?? { accessKeyId: '', secretAccessKey: '' },
      maxSockets: config.concurrency,
      ...(deps.clockOffsetMs ? { clockOffsetMs: deps.clockOffsetMs } : {}),
      ...(config.requestTimeoutMs ? { idleTimeoutMs: config.requestTimeoutMs } : {}),
    });
  const store = storeFor(target);
  const stateAt = stateLocation(config);
  // `state.bucket` elsewhere: a store of its own (same endpoint, region and credentials).
  const stateStore =
    stateAt.bucket === target.bucket
      ? store
      : storeFor({ ...target, bucket: stateAt.bucket, prefix: '' });
  // Who the credentials are (STS) is asked while the scan and the listing run; the log still
  // opens with it: what gather reports is held until the opening lines are out.
  const opened = credentials.described.then((described) => {
    if (described.principal) target.principal = described.principal;
    deps.emit({
      type: 'start',
      source: config.source,
      target: `s3://${target.bucket}/${target.prefix}`,
      credentials: described.source,
      state: stateUrl(stateAt),
      dryRun: options.dryRun,
    });
    deps.emit({ type: 'phase', phase: 'scan' });
    return described;
  });
  /** Said once the log's opening lines are out. */
  const afterOpening: EventSink = (event) =>
    void opened.then(
      () => deps.emit(event),
      () => undefined,
    );
  let executor: Executor | undefined;
  try {
    // Listing and heads are retried like the executor's requests (a 503 while listing is common).
    // One limiter for every request of the run: the executor's, and the reads of the compare
    // (each HEAD, the state's GET) wait for its slots too. Retries wait outside a slot.
    const slots = pLimit(config.concurrency);
    const retryReads = (s: ObjectStore) =>
      retryingReads(limitedReads(s, slots), deps.retry ?? DEFAULT_RETRY, {
        ...(deps.signal ? { signal: deps.signal } : {}),
        onRetry: (operation, key, error, attempt, waitMs) =>
          void opened.then(() => deps.emit(retryEvent(operation, key, error, attempt, waitMs))),
      });
    const reads = retryReads(store);
    // A shard compares only its share; prune compares nothing (it uploads nothing).
    const owns = ownership(options);
    const state = new StateKeeper({
      config,
      store: reads,
      stateStore: stateStore === store ? reads : retryReads(stateStore),
      shard: options.shard,
      prune: options.prune === true,
      warn: afterOpening,
      now,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    // Made before the compare, so that a new asset can start while the rest is compared.
    executor = options.dryRun
      ? undefined
      : new Executor({
          store,
          concurrency: config.concurrency,
          limit: slots,
          multipart: config.multipart,
          retry: deps.retry ?? DEFAULT_RETRY,
          emit: deps.emit,
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
    const gathered = gather({
      config: state.scanConfig(),
      store: reads,
      ...(options.prune ? {} : { settingsCheck: state.settingsCheck() }),
      list: (startAfter) => reads.list(target.prefix, deps.signal, startAfter),
      ...(deps.keysPerRange ? { keysPerRange: deps.keysPerRange } : {}),
      ...(deps.scanner ? { scanner: deps.scanner } : {}),
      // immutable_changes: error may stop the run once the plan is made, with nothing sent.
      ...(executor && config.immutableChanges !== 'error'
        ? { early: startsEarly(executor, config, options.force, state) }
        : {}),
      owns,
      onScanned: (scanned) =>
        void opened.then(() => {
          for (const s of scanned.skipped)
            deps.emit({ type: 'warning', message: `skipped ${s.relPath}: ${s.reason}` });
          deps.emit({ type: 'phase', phase: 'compare', count: scanned.files.length });
        }),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    // Settled before anything else is said, and before an error is explained (it names who).
    const [outcome, openedOutcome] = await Promise.allSettled([gathered, opened]);
    // When either failed nothing more will run: an upload started early is stopped first (a
    // multipart one aborted).
    if (openedOutcome.status === 'rejected') {
      await executor?.abandon(openedOutcome.reason);
      throw openedOutcome.reason;
    }
    if (outcome.status === 'rejected') {
      await executor?.abandon(outcome.reason);
      rethrowStoreError(outcome.reason, target);
    }
    const described = openedOutcome.value;
    const { local, remote, content } = outcome.value;
    const listedCount = remote.size + content.size;
    state.dropStateKeys(remote);
    state.reportChanged();
    if (options.prune) await state.carryListed(local.files, remote);
    const plan = buildPlan({
      files: local.files,
      content,
      remote,
      prefix: target.prefix,
      delete: options.prune ? { ...config.delete, enabled: true } : config.delete,
      force: options.force,
      ...(owns ? { owns } : {}),
      ...(options.shard ? { deletesElsewhere: true } : {}),
      unowned: unownedKeys(config, target.prefix),
    });
    const guarded = guardPlan(plan, {
      source: config.source,
      files: local.files.length,
      deletes: options.prune === true || (config.delete.enabled && !options.shard),
      allowEmptySource: config.allowEmptySource,
      immutableChanges: config.immutableChanges,
      target: `s3://${target.bucket}/${target.prefix}`,
    });
    if (guarded.stop) {
      // Nothing started early: no file (empty source), or no early start (immutable_changes:
      // error). Stopped all the same, should that ever change.
      await executor?.abandon(guarded.stop);
      throw guarded.stop;
    }
    for (const message of guarded.warnings) deps.emit({ type: 'warning', message });
    deps.emit({ type: 'plan', ...planCounts(plan) });
    const base = {
      target,
      plan,
      skipped: local.skipped,
      credentialsSource: described.source,
    };
    if (options.dryRun)
      return {
        ...base,
        outcomes: undefined,
        fatal: undefined,
        fatalCode: undefined,
        durationMs: now() - started,
      };
    if (!executor) throw new Error('deploy: no executor for a run that is not a dry run');
    const result = await executor.execute(plan);
    await state.finish(
      result,
      (prefix) => reads.list(prefix, deps.signal),
      listedCount,
      executor.request,
    );
    // Presigned links and the CDN invalidation (spec `presign`, `cloudfront`), after a full
    // success; loaded on demand, as they pull in the SDK clients.
    const after =
      credentials.provider && (config.presign || config.cloudfront)
        ? await (
            await import('./post-deploy.js')
          ).afterDeploy({
            config,
            target,
            plan,
            result,
            credentials: credentials.provider,
            emit: deps.emit,
            clockOffsetMs: deps.clockOffsetMs ?? 0,
          })
        : undefined;
    return {
      ...base,
      outcomes: result.outcomes,
      fatal: result.fatal ?? after,
      fatalCode:
        result.fatalError instanceof StoreError
          ? errorCodeFor(result.fatalError)
          : after
            ? 'S3_ERROR'
            : undefined,
      durationMs: now() - started,
    };
  } finally {
    (store as { destroy?: () => void }).destroy?.();
    if (stateStore !== store) (stateStore as { destroy?: () => void }).destroy?.();
  }
}

/** Turns a store error that stops the run before any upload into the error family. */
function rethrowStoreError(error: unknown, target: StoreTarget): never {
  if (error instanceof StoreError)
    throw new S3shipError(errorCodeFor(error), explainStoreError(error, target), { cause: error });
  throw error;
}

export function errorCodeFor(error: StoreError): ErrorCode {
  if (CREDENTIAL_CODES.has(error.code) || error.code === CREDENTIALS_UNAVAILABLE)
    return 'CREDENTIALS';
  if (error.code === 'AccessDenied' || error.code === 'AllAccessDisabled') return 'ACCESS_DENIED';
  if (error.code === 'NoSuchBucket') return 'BUCKET_MISSING';
  return 'S3_ERROR';
}

/**
 * The uploads that start before the plan is complete (head-start.ts: new assets), each decided
 * exactly as the plan decides it. The listing is watched for the big ones only (files to go up
 * in parts: seconds of work each), so a page checks a handful of files, not every new one.
 */
function startsEarly(executor: Executor, config: DeployConfig, force: boolean, state: StateKeeper) {
  return {
    watch: (file: LocalFile) => !file.entry && file.size >= config.multipart.threshold,
    // A big file the deploy state knows is there is left to the listing: a no-change deploy
    // sends no HEAD for it.
    worthLookUp: async (file: LocalFile) => !(await state.ledger).hasPrevious(file.key),
    start: (file: LocalFile, content: LocalContent) =>
      executor.startEarly(decideOne(file, content, undefined, force)),
  };
}

/** Which keys this run uploads: all (undefined), a shard's share, or none (prune). */
function ownership(options: RunOptions): ((key: string) => boolean) | undefined {
  if (options.prune) return () => false;
  const { shard } = options;
  return shard ? (key) => inShard(key, shard) : undefined;
}
