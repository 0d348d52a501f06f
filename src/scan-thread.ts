/**
 * Scanners: how a deploy walks its source. In this thread (scanSource), or on the scan thread
 * (scan-worker.ts), which bin.ts starts before it loads the rest of the CLI
 * (scan-thread-start.ts). This module is the main thread's side of the scan thread.
 *
 * A scan thread that cannot start (or whose file is missing) is not an error: the scan runs
 * here, as it always could. One that fails mid-scan fails the deploy, with its reason.
 */
import { S3shipError, type ErrorCode } from './errors.js';
import { isHashReply, lendToHashPool, POOL_MIN_BYTES, type Reply } from './hash-pool.js';
import { takeScanThread, type StartedThread } from './scan-thread-start.js';
import {
  localFile,
  scanConfigOf,
  scanSource,
  sortByKey,
  type LocalFile,
  type ScanConfig,
  type ScanResult,
  type Skipped,
} from './scan.js';

/** Hears of each file as the scan finds it, with the MD5 of its bytes when the scan has it. */
export type OnScanned = (file: LocalFile, md5: string | undefined) => void;

export interface Scanner {
  /**
   * Walks the source; `hash` asks for the MD5 of each small file (a scanner may ignore it).
   * Resolves with every file sorted by key, as scanSource does.
   */
  scan(config: ScanConfig, onFile: OnScanned, options: { hash: boolean }): Promise<ScanResult>;
  /** No more digests are needed (the store holds nothing to compare with). */
  stopHashing(): void;
}

/** The walk in this thread; it computes no digests (whoever compares reads the file). */
export const inThreadScanner: Scanner = {
  scan: (config, onFile) => scanSource(config, (file) => onFile(file, undefined)),
  stopHashing: () => undefined,
};

/** Main thread → scan thread. */
export type ToScanThread =
  | { type: 'scan'; config: ScanConfig; hash: boolean }
  | { type: 'stop-hashing' }
  /** A batch of files was taken (the walk keeps a bounded number unread: scan-worker.ts). */
  | { type: 'taken' };

/** Scan thread → main thread. `md5s[i]` belongs to `files[i]`. */
export type FromScanThread =
  | { type: 'ready' }
  | { type: 'files'; files: LocalFile[]; md5s: (string | undefined)[] }
  | { type: 'done'; skipped: Skipped[] }
  | {
      type: 'failed';
      error: { code?: ErrorCode; message: string; details?: string[] };
    };

/**
 * The scanner a deploy should use: the scan thread if bin.ts started one (scan-thread-start.ts),
 * else this thread.
 */
export function takeScanner(): Scanner {
  const thread = takeScanThread();
  return thread ? threadScanner(thread) : inThreadScanner;
}

function threadScanner(thread: StartedThread): Scanner {
  const { worker } = thread;
  return {
    scan: (config, onFile, options) =>
      thread.unusable
        ? inThreadScanner.scan(config, onFile, options)
        : new Promise<ScanResult>((resolve, reject) => {
            const files: LocalFile[] = [];
            /** The source folder, one string for every file (see localFile). */
            let root: string | undefined;
            /**
             * Set once the walk found a big file, whose parts may need hashing: the thread went
             * to the hash pool then (it answers the pool's jobs once its walk is done), and
             * this is how the scan gives it up when it ends.
             */
            let release: (() => void) | undefined;
            const finish = (settle: () => void, ok = false) => {
              worker.off('message', onMessage);
              worker.off('error', onError);
              worker.off('exit', onExit);
              // Done, and in the pool: the pool keeps it (and unrefs it when idle). Otherwise it
              // goes: at 200,000 files its heap would outlive the walk for nothing.
              if (release && ok) release();
              else void worker.terminate();
              settle();
            };
            const onMessage = (message: FromScanThread | Reply) => {
              // The pool's replies, once the thread is lent, are the pool's business.
              if (isHashReply(message) || message.type === 'ready') return;
              if (message.type === 'files') {
                for (let i = 0; i < message.files.length; i++) {
                  const copy = message.files[i] as LocalFile;
                  root ??= copy.root;
                  const file = localFile(copy, root);
                  // Its parts may be hashed before the walk is done: the pool takes this thread
                  // now rather than start another one beside it (a new one costs a core ~75 ms).
                  if (file.size >= POOL_MIN_BYTES && !release) release = lendToHashPool(worker);
                  files.push(file);
                  onFile(file, message.md5s[i]);
                }
                worker.postMessage({ type: 'taken' } satisfies ToScanThread);
              } else if (message.type === 'done') {
                finish(() => resolve({ files: sortByKey(files), skipped: message.skipped }), true);
              } else {
                finish(() => reject(errorFrom(message.error)));
              }
            };
            const onError = (error: Error) =>
              finish(() =>
                // It never ran (its code could not load): scan here, as without it.
                !thread.ready && files.length === 0
                  ? resolve(inThreadScanner.scan(config, onFile, options))
                  : reject(failure(`it stopped with an error: ${error.message}`)),
              );
            const onExit = (code: number) =>
              finish(() => reject(failure(`it exited (code ${code}) before the scan was done`)));
            worker.on('message', onMessage).on('error', onError).on('exit', onExit);
            // Running a scan: the process must wait for its answers.
            worker.ref();
            worker.postMessage({
              type: 'scan',
              config: scanConfigOf(config),
              hash: options.hash,
            } satisfies ToScanThread);
          }),
    stopHashing: () => worker.postMessage({ type: 'stop-hashing' } satisfies ToScanThread),
  };
}

/** An S3shipError from the thread is the same error here (same code, message and details). */
function errorFrom(error: Extract<FromScanThread, { type: 'failed' }>['error']): Error {
  return error.code
    ? new S3shipError(error.code, error.message, { details: error.details ?? [] })
    : failure(error.message);
}

function failure(why: string): Error {
  return new Error(`The scan of the source failed on its thread: ${why}`);
}
