/**
 * Starts the scan thread (scan-worker.ts) as early as possible: bin.ts calls this before it
 * loads the rest of the CLI, so the thread's own start-up (~40 ms of its core) overlaps that
 * loading. Deliberately tiny, as it is loaded before the compile cache is on; scan-thread.ts
 * drives the thread once a deploy needs it.
 */
import { Worker } from 'node:worker_threads';

export interface StartedThread {
  worker: Worker;
  /** It has loaded its code (it says so with its first message). */
  ready: boolean;
  /** It failed before it was ready: the scan must run in the main thread. */
  unusable: boolean;
}

let started: StartedThread | undefined;

/** Starts the thread from `script`. It does not keep the process alive until it is given work. */
export function startScanThread(script: URL): void {
  if (started) return;
  let worker: Worker;
  try {
    worker = new Worker(script);
  } catch {
    return;
  }
  const thread: StartedThread = { worker, ready: false, unusable: false };
  worker.unref();
  worker.once('message', () => {
    thread.ready = true;
  });
  worker.once('error', () => {
    if (!thread.ready) thread.unusable = true;
  });
  started = thread;
}

/** The started thread, handed out once (each thread scans once). */
export function takeScanThread(): StartedThread | undefined {
  const thread = started;
  started = undefined;
  return thread;
}
