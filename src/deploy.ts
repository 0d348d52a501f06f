/**
 * One deploy (or plan), start to end: scan the source while listing the remote, compare,
 * plan, and — unless it is a plan or a dry run — execute. Entry points call this and nothing
 * else; it reads no flags and no process.env (the environment arrives in `deps`).
 */
import type { DeployConfig } from './config.js';
import { resolveCredentials } from './credentials.js';
import { S3shipError, type ErrorCode } from './errors.js';
import type { EventSink } from './events.js';
import { executePlan, type Outcome } from './execute.js';
import { explainStoreError } from './explain.js';
import { inspectContent } from './inspect.js';
import { buildPlan, type Plan } from './plan.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { scanSource, type Skipped } from './scan.js';
import { S3Store } from './store/s3-store.js';
import {
  StoreError,
  type ObjectStore,
  type RemoteObject,
  type StoreTarget,
} from './store/store.js';

export interface RunOptions {
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
  now?: () => number;
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
  const credentials = resolveCredentials(deps.env);
  const store =
    deps.createStore?.(target, config) ??
    new S3Store({
      target,
      pathStyle: config.target.pathStyle,
      credentials: credentials.provider,
      maxSockets: config.concurrency,
    });
  try {
    deps.emit({
      type: 'start',
      source: config.source,
      target: `s3://${target.bucket}/${target.prefix}`,
      credentials: credentials.source,
      dryRun: options.dryRun,
    });
    deps.emit({ type: 'phase', phase: 'scan' });
    const [local, remote] = await Promise.all([
      scanSource(config),
      listRemote(store, target, deps.signal),
    ]);
    for (const s of local.skipped)
      deps.emit({ type: 'warning', message: `skipped ${s.relPath}: ${s.reason}` });
    deps.emit({ type: 'phase', phase: 'compare', count: local.files.length });
    const content = await inspectContent(local.files, remote, {
      config,
      store,
      ...(deps.signal ? { signal: deps.signal } : {}),
    }).catch((error: unknown) => rethrowStoreError(error, target));
    const plan = buildPlan({
      files: local.files,
      content,
      remote,
      prefix: target.prefix,
      delete: config.delete,
      force: options.force,
    });
    const base = { target, plan, skipped: local.skipped, credentialsSource: credentials.source };
    if (options.dryRun)
      return {
        ...base,
        outcomes: undefined,
        fatal: undefined,
        fatalCode: undefined,
        durationMs: now() - started,
      };
    const result = await executePlan(plan, {
      store,
      concurrency: config.concurrency,
      multipart: config.multipart,
      retry: deps.retry ?? DEFAULT_RETRY,
      emit: deps.emit,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    return {
      ...base,
      outcomes: result.outcomes,
      fatal: result.fatal,
      fatalCode:
        result.fatalError instanceof StoreError ? errorCodeFor(result.fatalError) : undefined,
      durationMs: now() - started,
    };
  } finally {
    (store as { destroy?: () => void }).destroy?.();
  }
}

async function listRemote(
  store: ObjectStore,
  target: StoreTarget,
  signal?: AbortSignal,
): Promise<Map<string, RemoteObject>> {
  const remote = new Map<string, RemoteObject>();
  try {
    for await (const page of store.list(target.prefix, signal)) {
      for (const object of page) remote.set(object.key, object);
    }
  } catch (error) {
    rethrowStoreError(error, target);
  }
  return remote;
}

/** Turns a store error that stops the run before any upload into the error family. */
function rethrowStoreError(error: unknown, target: StoreTarget): never {
  if (error instanceof StoreError)
    throw new S3shipError(errorCodeFor(error), explainStoreError(error, target), { cause: error });
  throw error;
}

const CREDENTIAL_CODES = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
]);

export function errorCodeFor(error: StoreError): ErrorCode {
  if (CREDENTIAL_CODES.has(error.code)) return 'CREDENTIALS';
  if (error.code === 'AccessDenied' || error.code === 'AllAccessDisabled') return 'ACCESS_DENIED';
  if (error.code === 'NoSuchBucket') return 'BUCKET_MISSING';
  return 'S3_ERROR';
}
