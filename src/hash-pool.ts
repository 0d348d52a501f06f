/**
 * MD5s of a big file's parts on every core. A multipart ETag is the MD5 of its parts' MD5s, and
 * parts are independent: a 256 MiB file in 8 MiB parts is 32 tasks that the pool's members take
 * one at a time as they become free, where one thread needs ~0.43 s (MD5 runs ~620 MB/s per
 * core on the CI-sized machine this was measured on). A whole-file MD5 is sequential and stays
 * on the caller's thread (hash.ts).
 *
 * The members are the main thread itself and one worker thread per other core. The main
 * thread is idle while a deploy waits for these digests, and it needs no start-up: a worker
 * costs ~75 ms of a core to start on a 2-core runner (Node's own bootstrap, measured), which
 * was a sixth of the CPU spent on a 256 MiB file when the pool was all workers. The main
 * thread hashes one part per turn of its event loop (~12 ms for 8 MiB), so listing pages and
 * progress are still served between parts.
 *
 * Workers start on first use and are unref'd: an idle pool never keeps the process alive.
 * Their code is the self-contained functions below, passed as source (`eval`), so the same
 * code runs from the bundle, from the sources under test, and in the container image without a
 * separate worker file to ship and locate.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';

/** Files at least this big have their parts hashed on the pool (smaller: not worth a hop). */
export const POOL_MIN_BYTES = 32 * 1024 * 1024;

export interface Job {
  id: number;
  path: string;
  partSize: number;
  first: number;
  end: number;
}

export type Reply =
  | { id: number; digests: Uint8Array[]; size: number }
  | { id: number; error: string; code: string | undefined };

/**
 * Reads parts [first, end) with positional reads, one MD5 per part. Self-contained (it also
 * runs from its source text on a worker): only its arguments and globals.
 */
function hashParts(
  job: Job,
  files: Pick<typeof fs, 'openSync' | 'fstatSync' | 'readSync' | 'closeSync'>,
  md5: () => { update(b: Uint8Array): unknown; digest(): Uint8Array },
  buffer: Buffer,
): Reply {
  let fd: number | undefined;
  try {
    fd = files.openSync(job.path, 'r');
    const size = files.fstatSync(fd).size;
    const digests: Uint8Array[] = [];
    for (let part = job.first; part < job.end; part++) {
      const hash = md5();
      let position = part * job.partSize;
      const stop = Math.min(size, position + job.partSize);
      while (position < stop) {
        const n = files.readSync(fd, buffer, 0, Math.min(buffer.length, stop - position), position);
        if (n === 0) break;
        hash.update(buffer.subarray(0, n));
        position += n;
      }
      digests.push(hash.digest());
    }
    return { id: job.id, digests, size };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { id: job.id, error: e.message, code: e.code };
  } finally {
    if (fd !== undefined) files.closeSync(fd);
  }
}

/**
 * 128 KiB reads: the bytes the kernel copies in are still in the core's cache when MD5 reads
 * them. With 1 MiB reads, hashing 256 MiB took 0.62 s of CPU (0.18 s of it the copy), with
 * 128 KiB 0.50 s (0.05 s).
 */
const READ_SIZE = 128 * 1024;

/** Runs on a worker: answers each job with hashParts (passed in, as source). */
function workerMain(run: typeof hashParts, readSize: number): void {
  // Only globals in here: this function runs from its source text, so a name from the
  // enclosing module (or one a bundler renamed, such as `require`) would not exist.
  const { parentPort } = process.getBuiltinModule('node:worker_threads');
  const files = process.getBuiltinModule('node:fs');
  const { createHash: hasher } = process.getBuiltinModule('node:crypto');
  const buffer = Buffer.allocUnsafe(readSize);
  parentPort?.on('message', (job: Job) =>
    parentPort.postMessage(run(job, files, () => hasher('md5'), buffer)),
  );
}

/** A pool member: the main thread, or a worker thread. */
interface Member {
  run(job: Job): Promise<Reply>;
  /**
   * Jobs it is given at once. A worker gets its next job while it works on one: its reply and
   * the next job each wait for the main thread's event loop, and the main thread hashes too (a
   * part at a time, ~13 ms for 8 MiB), so a worker given one job at a time waited for the main
   * thread's part after each of its own and hashed half as many parts (traced: a part every
   * ~26 ms against the main thread's ~13).
   */
  depth: number;
}

const mainThread: Member = {
  depth: 1,
  async run(job) {
    // A turn of the event loop first: what arrived meanwhile (a listing page) is served.
    await nextTurn();
    return answerHashJob(job);
  },
};

class WorkerMember implements Member {
  readonly depth = 2;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  /**
   * A lent thread still doing its lender's work (the scan): its lender keeps the process
   * waiting for it, so the pool must not unref it meanwhile (the process would end mid-scan).
   */
  private lenderHolds: boolean;

  /**
   * @param onCrash called once if the worker dies (the pool then starts a new one).
   * @param lent a started thread that answers jobs already (the scan thread), else a new one
   */
  constructor(onCrash: () => void, lent?: Worker) {
    this.lenderHolds = lent !== undefined;
    this.worker =
      lent ??
      new Worker(`(${workerMain.toString()})(${hashParts.toString()}, ${READ_SIZE})`, {
        eval: true,
      });
    this.worker.on('message', (reply: Reply) => {
      // A lent thread also says other things to its lender (files found): not replies.
      const answer = this.waiting.get(reply.id);
      if (!answer) return;
      answer(reply);
      this.waiting.delete(reply.id);
      this.holdProcess();
    });
    // A worker that crashed or ended fails every job in flight; the next run starts a new one.
    const gone = (why: string) => {
      for (const resolve of this.waiting.values()) resolve({ id: -1, error: why, code: undefined });
      this.waiting.clear();
      onCrash();
    };
    this.worker.on('error', (error: Error) => gone(error.message));
    this.worker.on('exit', (code: number) => gone(`a hashing thread ended (code ${code})`));
    this.holdProcess();
  }

  run(job: Job): Promise<Reply> {
    return new Promise((resolve) => {
      this.waiting.set(job.id, resolve);
      this.holdProcess();
      this.worker.postMessage(job);
    });
  }

  /** The lender is done with the thread: from now on the pool alone decides its ref. */
  released(): void {
    this.lenderHolds = false;
    this.holdProcess();
  }

  /** A busy worker keeps the process alive until it answers; an idle one does not. */
  private holdProcess(): void {
    if (this.lenderHolds) return;
    if (this.waiting.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}

class HashPool {
  /** Workers started (its own, or lent), at most `size` − 1. */
  private readonly workers = new Set<WorkerMember>();
  /** The runs in progress: a member that joins late takes jobs of each. */
  private readonly runs = new Set<(member: Member) => void>();
  private nextId = 0;

  /** @param size members in all: the main thread and size − 1 workers */
  constructor(private readonly size: number) {}

  /** Runs every job, each member taking the next one when it is free. */
  runAll(jobs: Omit<Job, 'id'>[], signal: AbortSignal | undefined): Promise<Reply[]> {
    const replies: Reply[] = new Array<Reply>(jobs.length);
    let next = 0;
    let left = jobs.length;
    let settle!: { resolve: (replies: Reply[]) => void; reject: (error: unknown) => void };
    const run = new Promise<Reply[]>((resolve, reject) => (settle = { resolve, reject }));
    /** A member takes this run's next job whenever it is free, until none is left. */
    const take = async (member: Member) => {
      for (let i = next++; i < jobs.length; i = next++) {
        signal?.throwIfAborted();
        replies[i] = await member.run({ ...(jobs[i] as Omit<Job, 'id'>), id: this.nextId++ });
        if (--left === 0) settle.resolve(replies);
      }
    };
    const join = (member: Member) => {
      for (let k = 0; k < member.depth; k++) take(member).catch(settle.reject);
    };
    this.runs.add(join);
    join(mainThread);
    for (const worker of this.workers) join(worker);
    // Start workers for the cores no running or lent thread covers.
    while (this.workers.size < this.size - 1) join(this.adopt());
    return run.finally(() => this.runs.delete(join));
  }

  /** Takes a started thread as a member (see lendToHashPool). */
  lend(thread: Worker): WorkerMember {
    const member = this.adopt(thread);
    for (const join of this.runs) join(member);
    return member;
  }

  /** A member on `thread` (a lent one), or on a worker started for it; gone once it dies. */
  private adopt(thread?: Worker): WorkerMember {
    const member: WorkerMember = new WorkerMember(() => this.workers.delete(member), thread);
    this.workers.add(member);
    return member;
  }
}

let pool: HashPool | undefined;

function thePool(): HashPool {
  return (pool ??= new HashPool(Math.max(1, Math.min(os.availableParallelism(), 8))));
}

/**
 * Lends a started thread that answers pool jobs to the pool: the scan thread, as soon as its
 * walk finds a big file (scan-thread.ts). It may still be walking: it keeps the jobs it gets
 * until its walk is done (scan-worker.ts), then answers them at once — it was lent only after
 * its walk before, and sat idle for the 40–60 ms its "done" took to reach a main thread busy
 * hashing a part. The pool starts no worker in its place (a new one costs ~75 ms of a core
 * here). Returns what the lender calls once its own work with the thread is over (until then
 * the lender keeps the process waiting for the thread, and the pool leaves that alone).
 */
export function lendToHashPool(worker: Worker): () => void {
  const member = thePool().lend(worker);
  return () => member.released();
}

/** A pool reply, told apart from a lent thread's other messages. */
export function isHashReply(message: unknown): message is Reply {
  return typeof message === 'object' && message !== null && 'id' in message;
}

/** Answers pool jobs on a thread that has other work too (scan-worker.ts). */
export function answerHashJob(job: Job): Reply {
  jobBuffer ??= Buffer.allocUnsafe(READ_SIZE);
  return hashParts(job, fs, () => createHash('md5'), jobBuffer);
}

let jobBuffer: Buffer | undefined;

/** A pool job, told apart from a thread's other messages. */
export function isHashJob(message: unknown): message is Job {
  return typeof message === 'object' && message !== null && 'partSize' in message;
}

/**
 * MD5 of each `partSize` part of the file (the last one short), hashed across the pool.
 * @throws Error (with the file system's code) when the file cannot be read, or when its size is
 *   not `expectedSize` (it changed since the scan).
 */
export async function digestPartsOnPool(
  filePath: string,
  partSize: number,
  expectedSize: number,
  signal?: AbortSignal,
): Promise<Buffer[]> {
  const parts = Math.max(1, Math.ceil(expectedSize / partSize));
  // One part per job (~12 ms for 8 MiB): the members finish within a part of each other.
  const jobs = Array.from({ length: parts }, (_, first) => ({
    path: filePath,
    partSize,
    first,
    end: first + 1,
  }));
  const replies = await thePool().runAll(jobs, signal);
  signal?.throwIfAborted();
  const digests: Buffer[] = [];
  for (const reply of replies) {
    if ('error' in reply)
      throw Object.assign(new Error(reply.error), reply.code ? { code: reply.code } : {});
    if (reply.size !== expectedSize)
      throw new Error(
        `${filePath} changed while it was read (${expectedSize} → ${reply.size} bytes); run the deploy again`,
      );
    for (const d of reply.digests) digests.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return digests;
}
