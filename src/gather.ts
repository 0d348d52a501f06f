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

export async function gather(options: GatherOptions): Promise<Gathered> {
  const inspect = createInspector(options);
  const remote = new Map<string, RemoteObject>();
  const content = new Map<string, LocalContent>();
  const pending: Promise<unknown>[] = [];
  /** The files still to compare; filled once the scan is done. */
  const mine = new Map<string, LocalFile>();
  const compare = (file: LocalFile, object: RemoteObject | undefined) => {
    mine.delete(file.key); // each file is compared once
    pending.push(inspect(file, object).then((c) => content.set(file.key, c)));
  };
  const listing = (async () => {
    for await (const page of options.pages) {
      for (const object of page) {
        remote.set(object.key, object);
        const file = mine.get(object.key);
        if (file) compare(file, object);
      }
    }
  })();
  // A failed listing must not leave an unobserved rejection while the scan is awaited.
  listing.catch(() => undefined);
  const local = await scanSource(options.config);
  options.onScanned?.(local);
  const { owns } = options;
  for (const f of local.files) if (!owns || owns(f.key)) mine.set(f.key, f);
  // Pages that arrived before the scan finished.
  for (const [key, object] of remote) {
    const file = mine.get(key);
    if (file) compare(file, object);
  }
  try {
    await listing;
  } finally {
    // Never leave hashing running behind an error.
    await Promise.allSettled(pending);
  }
  for (const file of [...mine.values()]) compare(file, undefined);
  await Promise.all(pending);
  return { local, remote, content };
}
