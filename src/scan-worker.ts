/**
 * The scan thread (dist/scan-worker.js): walks the source on the second core while the main
 * thread loads the CLI, lists the bucket and parses its pages. A deploy of small files is one
 * busy thread otherwise — a no-change deploy of 2,000 files spent ~200 of its ~450 ms in the
 * walk, the stats and the reads and MD5s of the files, with the other core idle.
 *
 * Files go to the main thread in batches, each small file (up to 1 MiB; the first 20,000 of a
 * tree) with the MD5 of its bytes, computed here as it is found: a file whose object has its size needs exactly that to
 * be compared, and reading it here costs the main thread nothing. The main thread says when
 * no digest is needed (the bucket holds nothing to compare with, or the run compares nothing);
 * from then on files go without. Protocol: scan-thread.ts.
 */
import { parentPort } from 'node:worker_threads';
import { S3shipError } from './errors.js';
import { answerHashJob, isHashJob, type Job } from './hash-pool.js';
import { MANY_FILES } from './heap.js';
import { walkSource, type LocalFile } from './scan.js';
import type { FromScanThread, ToScanThread } from './scan-thread.js';

/** Files per message: enough to make a message cheap, few enough to let comparing start early. */
const BATCH = 128;

/**
 * Which files this thread hashes: every one of the first MANY_FILES, then every other one.
 * A digest waits in the main thread until its file is compared, and in a large tree most
 * files are listed after the scan is done (in key ranges: see gather.ts): all of 200,000 would
 * be ~15 MB of waiting MD5 strings against a 250 MB budget. The rest are hashed by the main
 * thread as they are compared. Half and half past the first 20,000 because the two threads'
 * loads must stay even: with only the first 20,000 hashed here, the main thread hashed the
 * other 180,000 of a 200,000-file tree on top of the listing and the comparing, and was the
 * bound (72 µs per file against 64 at 20,000, where this thread hashes every file).
 */
const hashesHere = (nth: number) => nth <= MANY_FILES || nth % 2 === 0;

/**
 * Batches posted and not yet taken by the main thread, at most (the walk waits at its next
 * pause). Without a bound the walk outran a main thread busy parsing listing pages, and the
 * queued batches (serialised, outside either heap) lifted a 200,000-file no-change deploy's
 * peak RSS from 226 to 297 MB.
 */
const WINDOW = 8;

const port = parentPort;
if (port) {
  let hashing = false;
  let stopped = false;
  let found = 0;
  let files: LocalFile[] = [];
  let md5s: (string | undefined)[] = [];
  let unread = 0;
  let resume: (() => void) | undefined;
  /**
   * Pool jobs that arrived during the walk (the main thread lends this thread to its hash pool
   * as soon as the walk finds a big file): answered once the walk is done, as the walk is what
   * only this thread can do.
   */
  let walking = false;
  const held: Job[] = [];
  const answerHeld = () => {
    walking = false;
    for (const job of held.splice(0)) port.postMessage(answerHashJob(job));
  };
  const post = (message: FromScanThread) => port.postMessage(message);
  const flush = () => {
    if (files.length === 0) return;
    post({ type: 'files', files, md5s });
    unread++;
    files = [];
    md5s = [];
  };
  const pause = () =>
    unread < WINDOW
      ? undefined
      : new Promise<void>((resolve) => {
          resume = resolve;
        });
  post({ type: 'ready' });
  port.on('message', (message: ToScanThread | Job) => {
    if (isHashJob(message)) {
      if (walking) held.push(message);
      else port.postMessage(answerHashJob(message));
      return;
    }
    if (message.type === 'taken') {
      unread--;
      if (unread < WINDOW) resume?.();
      return;
    }
    if (message.type === 'stop-hashing') {
      hashing = false;
      stopped = true;
      return;
    }
    hashing = message.hash && !stopped;
    walking = true;
    walkSource(
      message.config,
      (file, md5) => {
        files.push(file);
        md5s.push(md5);
        if (files.length === BATCH) flush();
      },
      pause,
      () => hashesHere(++found) && hashing,
    ).then(
      (skipped) => {
        flush();
        post({ type: 'done', skipped });
        answerHeld();
      },
      (error: unknown) => {
        answerHeld();
        post({
          type: 'failed',
          error:
            error instanceof S3shipError
              ? { code: error.code, message: error.message, details: [...error.details] }
              : {
                  message: error instanceof Error ? (error.stack ?? error.message) : String(error),
                },
        });
      },
    );
  });
}
