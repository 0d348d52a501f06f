/**
 * What the objects this run wrote now are, for the next state. A CopyObject answer names the
 * ETag and LastModified; a PutObject or CompleteMultipartUpload answer names no LastModified,
 * so those objects are looked up in the listing: one ListObjectsV2 with the key as prefix each,
 * or, when that would take more round trips than listing the prefix again (1,000 keys a page),
 * one listing. (Not HeadObject: its Last-Modified is whole seconds, and Ceph RGW lists
 * milliseconds, which tell apart two writes of one object within a second: ledger.ts.)
 *
 * A record is a fact about one version of the object: it is kept only if what the store shows
 * is the object this run wrote (its size, and its ETag where the upload's answers told it). An
 * object another writer replaced in the meantime gets no record, and is read again next time.
 */
import pLimit from 'p-limit';
import type { Outcome } from '../execute.js';
import { fingerprint, wantedHeaders, type HeaderSet } from '../object-headers.js';
import type { RemoteObject } from '../store/store.js';
import type { StateRecord } from './document.js';
import type { StateLedger } from './ledger.js';

/** Keys a listing page holds (S3's default and maximum `max-keys`). */
const PAGE_KEYS = 1000;

export interface ObserveOptions {
  /** Lists the objects whose keys start with `prefix` (the target's prefix: all of them). */
  list: (prefix: string) => AsyncIterable<RemoteObject[]>;
  /** The target's prefix. */
  prefix: string;
  /** Objects under the prefix, about (to weigh a listing against lookups of single keys). */
  listedCount: number;
  /** Requests in flight at most. */
  concurrency: number;
}

export async function observeWrites(
  outcomes: readonly Outcome[],
  ledger: StateLedger,
  options: ObserveOptions,
): Promise<void> {
  const settings = settingsSets();
  const unseen = new Map<string, Outcome>();
  for (const outcome of outcomes) {
    const { item, wrote } = outcome;
    if (!wrote || outcome.status !== 'done') continue;
    const answer = wrote.answer;
    if (answer && answer.etag !== '' && answer.lastModified >= 0)
      ledger.vouch(item.key, recordOf(outcome, { ...answer, size: wrote.size }, settings));
    else unseen.set(item.key, outcome);
  }
  if (unseen.size === 0) return;
  const pages = Math.max(1, Math.ceil(options.listedCount / PAGE_KEYS));
  const found = (listed: RemoteObject) => {
    const outcome = unseen.get(listed.key);
    if (outcome) vouchIfOurs(ledger, outcome, listed, settings);
  };
  if (unseen.size > pages * options.concurrency) {
    for await (const page of options.list(options.prefix)) page.forEach(found);
    return;
  }
  // The key as prefix lists the key first (a longer key sorts after it): one page is enough.
  // Nothing else is in flight once the plan has run: `concurrency` of these at a time.
  const limit = pLimit(options.concurrency);
  await Promise.all(
    [...unseen.keys()].map((key) =>
      limit(async () => {
        for await (const page of options.list(key)) {
          const listed = page[0];
          if (listed?.key === key) found(listed);
          break;
        }
      }),
    ),
  );
}

/** Vouches for the object seen under the outcome's key if it is the one this run wrote. */
function vouchIfOurs(
  ledger: StateLedger,
  outcome: Outcome,
  seen: RemoteObject,
  settings: SettingsSets,
): void {
  const expected = outcome.wrote?.etag;
  const ours =
    seen.size === outcome.wrote?.size && (expected === undefined || seen.etag === expected);
  if (ours && seen.lastModified !== undefined && seen.lastModified >= 0)
    ledger.vouch(
      outcome.item.key,
      recordOf(outcome, { ...seen, lastModified: seen.lastModified }, settings),
    );
}

function recordOf(
  outcome: Outcome,
  seen: { size: number; etag: string; lastModified: number },
  settings: SettingsSets,
): StateRecord {
  const wrote = outcome.wrote!;
  return {
    size: seen.size,
    etag: seen.etag,
    lastModified: seen.lastModified,
    md5: wrote.md5,
    settings: settings(wantedHeaders(wrote.settings)),
  };
}

/** One shared header map per distinct settings set (records point at them). */
type SettingsSets = (headers: HeaderSet) => HeaderSet;

function settingsSets(): SettingsSets {
  const sets = new Map<string, HeaderSet>();
  return (headers) => {
    const fp = fingerprint(headers);
    let set = sets.get(fp);
    if (!set) sets.set(fp, (set = Object.freeze(headers)));
    return set;
  };
}
