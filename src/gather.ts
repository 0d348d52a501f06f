/**
 * Everything the plan needs, with the slow parts overlapped: the local scan and the remote
 * listing run at once, and a file is compared as soon as both sides have seen it — files whose
 * remote object has their size are hashed while the scan and the listing go on (a store lists
 * 1,000 keys per request). A file with no remote object is known once the listing has passed
 * its key (a big one sooner, by a HEAD: see `lookUp`); it needs no hashing.
 *
 * Large trees are listed in key ranges at once (key-ranges.ts): the listing starts from the
 * first key as soon as the deploy starts. As the scan finds keys, the range that lists to the
 * end of the key space is cut at them into ranges, each listed by its own chain of requests
 * (the range cut stops at the first cut); once the scan is done, that last range is cut again
 * at the local keys. A repeated key is harmless (see `remote` below), and a store that ignores
 * `start-after` is noticed on a range's first key and listed by one chain.
 */
import { compareKeys, cutPoints } from './key-ranges.js';
import { createInspector, type InspectOptions } from './inspect.js';
import type { LocalContent } from './plan.js';
import type { LocalFile, ScanResult } from './scan.js';
import { inThreadScanner, type Scanner } from './scan-thread.js';
import type { RemoteObject } from './store/store.js';

export interface Gathered {
  local: ScanResult;
  /**
   * Listed objects no compared file took (each compared file's object is in its content, or
   * dropped once proven equal):
   * stale keys, and in a shard the keys of files another job compares. At 200,000 unchanged
   * files a map of every listed object was 7 MB of table beside the objects themselves.
   */
  remote: Map<string, RemoteObject>;
  content: Map<string, LocalContent>;
}

export interface GatherOptions extends InspectOptions {
  /** Lists the objects under the prefix after `startAfter` (from the first when unset). */
  list: (startAfter?: string) => AsyncIterable<RemoteObject[]>;
  /** Local keys per listing range (tests make it small). */
  keysPerRange?: number;
  /** Which local files this run compares (a shard's share); all when unset. */
  owns?: ((key: string) => boolean) | undefined;
  /** Called once the local tree is known (for warnings and progress). */
  onScanned?: (local: ScanResult) => void;
  /** Walks the source (default: in this thread). */
  scanner?: Scanner;
  /**
   * Uploads that may start before the plan is complete (head-start.ts, which decides which may):
   * `start` gets each file as soon as it is known to be new — found by the scan after the
   * listing passed its key without it. A file found before that is handed on later only if
   * `watch` picks it (each listing page checks the watched files: keep them few, e.g. the big
   * ones).
   */
  early?: {
    watch: (file: LocalFile) => boolean;
    start: (file: LocalFile, content: LocalContent) => void;
    /** Whether a watched file is worth a HEAD (none for one the deploy state knows: see below). */
    worthLookUp?: (file: LocalFile) => Promise<boolean>;
  };
}

/**
 * Listing pages are not pulled while more comparisons than this wait: at 200,000 files the
 * listing outruns the hashing, and every queued comparison holds memory.
 */
const BACKLOG = 1000;

/**
 * Listing ranges: four pages of local keys each, at most eight chains at once. A 2,000-file
 * tree is listed by one chain as before; 20,000 files by five; 200,000 by eight.
 */
const KEYS_PER_RANGE = 4000;
const MAX_RANGES = 8;
/*
 * The listing is cut into ranges during the scan too, whenever the scan has found enough keys
 * above what the open range has listed to give each free chain a range of its own. Until
 * session 12 the ranges waited for the end of the scan, and at 200,000 unchanged files the one
 * chain listing until then fell ~100,000 files behind the scan: every one of them waited in
 * `mine` with its MD5 in `md5s` (two maps of 131,072-entry tables), which is where the deploy's
 * memory peaked. The keys found since the last cut are what it is cut at: the walk's order
 * (the file system's: often the order the files were written in, so nearly sorted; or hashed)
 * decides where they fall, so neither a sample nor the order is trusted — the ranges trail the
 * scan when it walks in order, and spread over the key space when it does not.
 */

/** One chain of listing requests: the keys after `after`, up to and including `until`. */
interface Range {
  after: string | undefined;
  /** Unset: to the end (the first chain learns its bound once the scan is done). */
  until: string | undefined;
  /** The last key this chain took (read for the first chain, to cut above it). */
  last?: string;
  /** It has listed all its keys: it reached `until`, or the end of the listing. */
  done?: boolean;
}

export async function gather(options: GatherOptions): Promise<Gathered> {
  const inspect = createInspector(options);
  const remote = new Map<string, RemoteObject>();
  const content = new Map<string, LocalContent>();
  const pending = new InFlight();
  const scanner = options.scanner ?? inThreadScanner;
  /** Found by the scan, not yet listed: the files still to compare. */
  const mine = new Map<string, LocalFile>();
  /** MD5s the scan computed, for files not compared yet. */
  const md5s = new Map<string, string>();
  /** Files of `mine` that options.early watches, waiting for the listing to pass their key. */
  const awaited = new Map<string, LocalFile>();
  const compare = (
    file: LocalFile,
    object: RemoteObject | undefined,
    then?: (c: LocalContent) => void,
  ) => {
    mine.delete(file.key); // each file is compared once
    awaited.delete(file.key);
    const md5 = md5s.get(file.key);
    if (md5 !== undefined) md5s.delete(file.key);
    pending.add(
      inspect(file, object, md5).then((c) => {
        content.set(file.key, c);
        then?.(c);
      }),
    );
  };
  /** Compares a file known to be absent from the store, and hands it to options.early. */
  const startEarly = (file: LocalFile) =>
    compare(file, undefined, (c) => options.early?.start(file, c));
  /**
   * Keys a HEAD found absent, compared as new: the listing may list them later (the object our
   * own early upload made) and must neither compare them again nor take them for stale.
   */
  const headed = new Set<string>();
  /** Ends the lookups still unanswered when gather is done. */
  const lookups = new AbortController();
  /**
   * A watched file (a big one: seconds of upload) is also looked up by HEAD, so that its upload
   * can start one round trip after the scan found it instead of when the listing reaches its
   * key — on a bucket of 1,000,000 keys, up to 1,000 pages later (one chain of the listing
   * lists the keys above a cut in order). On the benchmark's tree it changes nothing (A/B 1.067
   * against 1.066 s): the first page has passed the big file's key before the scan finds it.
   * Only "absent" is taken from the answer; the object, or an error (a role without
   * s3:GetObject is refused HEADs), leaves the file to the listing as before. One HEAD per big
   * file, and none for a plan, a shard's files of other shards, or a prune.
   */
  const lookUp = async (file: LocalFile) => {
    const worth = options.early?.worthLookUp;
    if (worth && !(await worth(file).catch(() => false))) return;
    if (lookups.signal.aborted) return;
    await options.store.head(file.key, { signal: lookups.signal }).then(
      (object) => {
        if (object !== undefined || !awaited.has(file.key)) return;
        headed.add(file.key);
        startEarly(file);
      },
      () => undefined,
    );
  };
  /**
   * Whether the store has been listed past `key` without it. Each chain lists its range in key
   * order (a retried page resumes after the last key taken), so every key of the range below
   * its last one has been seen, and all of them once it is done. (Until session 13 only the
   * first chain counted: once the listing was cut into ranges, a new file above the first cut
   * waited for the end of gather instead of starting early.)
   */
  const passed = (key: string) => {
    const range = rangeOf(key);
    return range.done === true || (range.last !== undefined && compareKeys(key, range.last) < 0);
  };
  /** The range that lists `key`: the last one that starts below it (`ranges` is in key order). */
  const rangeOf = (key: string): Range => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (compareKeys(key, ranges[mid]!.after!) > 0) lo = mid;
      else hi = mid - 1;
    }
    return ranges[lo]!;
  };
  /** Starts each watched file the listing has passed without it. */
  const startPassed = () => {
    for (const file of awaited.values()) if (passed(file.key)) startEarly(file);
  };
  const take = (listed: RemoteObject) => {
    if (headed.has(listed.key)) return;
    const file = mine.get(listed.key);
    // With the local file's own key string: one string per key, not two.
    if (file) compare(file, { ...listed, key: file.key });
    else remote.set(listed.key, listed);
  };
  let failed = false;
  /**
   * Lists one range. Returns false when the store ignored its `start-after` (its first key is
   * not above it), having taken nothing — unless told to skip such keys instead.
   */
  const listRange = async (range: Range, skipBelow = false): Promise<boolean> => {
    let first = true;
    try {
      for await (const page of options.list(range.after)) {
        for (const listed of page) {
          if (range.after !== undefined && compareKeys(listed.key, range.after) <= 0) {
            if (first && !skipBelow) return false;
            continue;
          }
          first = false;
          // Leaving the loop ends the chain (and stops its page read ahead).
          if (range.until !== undefined && compareKeys(listed.key, range.until) > 0) {
            range.done = true;
            startPassed();
            return true;
          }
          take(listed);
          range.last = listed.key;
        }
        startPassed();
        await pending.below(BACKLOG);
        if (failed) return true;
      }
      range.done = true;
      startPassed();
      // An empty store (a first deploy): nothing will be compared, so nothing needs a digest.
      if (range === head && first) scanner.stopHashing();
      return true;
    } catch (error) {
      failed = true;
      throw error;
    }
  };
  const head: Range = { after: undefined, until: undefined };
  /** Every range made, in key order: head, then the pieces each cut made above it. */
  const ranges: Range[] = [head];
  /** Every chain of the listing started so far (head's first), and how many are running. */
  const listings: Promise<boolean>[] = [];
  let running = 0;
  /** A range's first key was not above its start: the store ignores start-after. */
  let ignoresStartAfter = false;
  const startChain = (range: Range) => {
    running++;
    const listing = listRange(range).then(
      (complete) => {
        running--;
        if (!complete) ignoresStartAfter = true;
        return complete;
      },
      (error: unknown) => {
        running--;
        throw error;
      },
    );
    // A failed listing must not leave an unobserved rejection while the scan is awaited.
    listing.catch(() => undefined);
    listings.push(listing);
  };
  startChain(head);
  const perRange = options.keysPerRange ?? KEYS_PER_RANGE;
  /** The range that lists to the end of the key space: the last one made. */
  let open = head;
  /**
   * Cuts the open range at keys (sorted) above what it has listed, into at most `pieces`
   * ranges of about `perRange` keys: it stops at the first cut, a new chain lists each piece
   * above it, and the last piece is the open range from then on.
   */
  const cutOpen = (keys: readonly string[], pieces: number) => {
    if (open.done || pieces < 2 || ignoresStartAfter) return;
    // (A range that took nothing yet starts above its own lower bound.)
    const cuts = cutPoints(keys, perRange, pieces, open.last ?? open.after);
    if (cuts.length === 0) return;
    open.until = cuts[0];
    for (let i = 0; i < cuts.length; i++) {
      open = { after: cuts[i], until: cuts[i + 1] };
      ranges.push(open);
      startChain(open);
    }
  };
  /** Keys the scan found since the listing was last cut (while the scan goes on). */
  let sinceCut: string[] = [];
  const { owns } = options;
  // Each file is compared as soon as both sides are known: found by the scan after its object
  // was listed (here), or listed after the scan found it (take). A big file's hashing starts
  // during the scan instead of after it (on a 2-core runner both cores were busy either way,
  // so the wall time did not move; it helps where the scan or the store is slow).
  const found = (file: LocalFile, md5: string | undefined) => {
    if (owns && !owns(file.key)) return;
    sinceCut.push(file.key);
    // The open range and the chains not running: how many ranges a cut may make.
    const pieces = MAX_RANGES - running + 1;
    if (pieces >= 2 && sinceCut.length >= pieces * perRange) {
      // (Nearly sorted, as walks often are, the sort is one pass: V8's TimSort finds runs.)
      cutOpen(sinceCut.sort(byCodeUnits), pieces);
      sinceCut = [];
    }
    if (md5 !== undefined) md5s.set(file.key, md5);
    const listed = remote.get(file.key);
    if (!listed) {
      const { early } = options;
      if (early && passed(file.key)) return startEarly(file);
      mine.set(file.key, file);
      if (early?.watch(file)) {
        awaited.set(file.key, file);
        void lookUp(file);
      }
      return;
    }
    remote.delete(file.key);
    compare(file, { ...listed, key: file.key });
  };
  let local: ScanResult;
  try {
    // A shard or a prune compares few files or none: digests on speculation would be waste.
    local = await scanner.scan(options.config, found, { hash: !owns });
  } catch (error) {
    lookups.abort();
    // Never leave hashing running behind an error.
    await pending.below(0);
    throw error;
  }
  options.onScanned?.(local);
  sinceCut = [];
  // The rest of the key space in ranges, if the tree is large and the open range is not done:
  // cut above what it has taken (it takes a page at a time between awaits, so nothing above
  // `last` is taken yet), into as many ranges as chains are free.
  cutOpen(
    local.files.map((f) => f.key),
    MAX_RANGES - running + 1,
  );
  try {
    const results = await Promise.allSettled(listings);
    const rejected = results.find((r) => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    // A store that ignores start-after lists from the first key for every range: the ranges
    // that noticed took nothing, so one chain lists everything above the first cut.
    if (results.some((r) => r.status === 'fulfilled' && !r.value))
      await listRange({ after: head.until, until: undefined }, true);
  } finally {
    lookups.abort();
    // Never leave hashing running behind an error.
    await pending.below(0);
  }
  for (const file of [...mine.values()]) compare(file, undefined);
  await pending.settled();
  return { local, remote, content };
}

/** The order the scan sorts keys in (sortByKey): UTF-16 code units. */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
