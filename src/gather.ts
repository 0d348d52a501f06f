/**
 * Everything the plan needs, with the slow parts overlapped: the local scan and the remote
 * listing run at once, and each listing page is compared as it arrives — files whose remote
 * object has their size are hashed while the next page is still on its way (a store lists
 * 1,000 keys per request, and the Ceph gateway takes ~200 ms for each). Files with no remote
 * object are known only after the last page; they need no hashing.
 */
import { createInspector, type InspectOptions } from './inspect.js';
import type { LocalContent } from './plan.js';
import { scanSource, type LocalFile, type ScanResult } from './scan.js';
import type { RemoteObject } from './store/store.js';

export interface Gathered {
  local: ScanResult;
  /**
   * Listed objects no compared file took (each compared file's object is in its content):
   * stale keys, and in a shard the keys of files another job compares. At 200,000 unchanged
   * files a map of every listed object was 7 MB of table beside the objects themselves.
   */
  remote: Map<string, RemoteObject>;
  content: Map<string, LocalContent>;
}

export interface GatherOptions extends InspectOptions {
  /** Lists the objects under the prefix, a page at a time. */
  pages: AsyncIterable<RemoteObject[]>;
  /** Which local files this run compares (a shard's share); all when unset. */
  owns?: ((key: string) => boolean) | undefined;
  /** Called once the local tree is known (for warnings and progress). */
  onScanned?: (local: ScanResult) => void;
}

/**
 * Listing pages are not pulled while more comparisons than this wait: at 200,000 files the
 * listing outruns the hashing, and every queued comparison holds memory.
 */
const BACKLOG = 1000;

export async function gather(options: GatherOptions): Promise<Gathered> {
  const inspect = createInspector(options);
  const remote = new Map<string, RemoteObject>();
  const content = new Map<string, LocalContent>();
  const pending = new InFlight();
  /** The files still to compare; filled once the scan is done. */
  const mine = new Map<string, LocalFile>();
  const compare = (file: LocalFile, object: RemoteObject | undefined) => {
    mine.delete(file.key); // each file is compared once
    pending.add(inspect(file, object).then((c) => content.set(file.key, c)));
  };
  const listing = (async () => {
    for await (const page of options.pages) {
      for (const listed of page) {
        const file = mine.get(listed.key);
        // With the local file's own key string: one string per key, not two.
        if (file) compare(file, { ...listed, key: file.key });
        else remote.set(listed.key, listed);
      }
      await pending.below(BACKLOG);
    }
  })();
  // A failed listing must not leave an unobserved rejection while the scan is awaited.
  listing.catch(() => undefined);
  const local = await scanSource(options.config);
  options.onScanned?.(local);
  const { owns } = options;
  for (const f of local.files) if (!owns || owns(f.key)) mine.set(f.key, f);
  // Pages that arrived before the scan finished.
  for (const listed of [...remote.values()]) {
    const file = mine.get(listed.key);
    if (!file) continue;
    remote.delete(listed.key);
    compare(file, { ...listed, key: file.key });
  }
  try {
    await listing;
  } finally {
    // Never leave hashing running behind an error.
    await pending.below(0);
  }
  for (const file of [...mine.values()]) compare(file, undefined);
  await pending.settled();
  return { local, remote, content };
}

/** Comparisons in flight, counted: a promise kept per file costs tens of MB at 200,000 files. */
class InFlight {
  private count = 0;
  private failure: { error: unknown } | undefined;
  private waiters: (() => void)[] = [];

  add(work: Promise<unknown>): void {
    this.count++;
    work.then(
      () => this.done(),
      (error: unknown) => {
        this.failure ??= { error };
        this.done();
      },
    );
  }

  /** Resolves once at most `n` are in flight. */
  async below(n: number): Promise<void> {
    while (this.count > n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when none is in flight; rejects with the first failure, if any. */
  async settled(): Promise<void> {
    await this.below(0);
    if (this.failure) throw this.failure.error;
  }

  private done(): void {
    this.count--;
    for (const wake of this.waiters.splice(0)) wake();
  }
}
