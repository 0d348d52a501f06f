/**
 * What the objects this run wrote now are, for the next state. A CopyObject answer names the
 * ETag and LastModified; a PutObject or CompleteMultipartUpload answer names no LastModified,
 * so those objects are read back: one HeadObject each, or, when that would take more round
 * trips than listing the prefix again (1,000 keys a page), one listing.
 *
 * A record is a fact about one version of the object: it is kept only if what the store shows
 * is the object this run wrote (its size, and its MD5 where the ETag or metadata carries one).
 * An object another writer replaced in the meantime gets no record, and is read again next time.
 */
import type { Outcome } from '../execute.js';
import { fingerprint, wantedHeaders, type HeaderSet } from '../object-headers.js';
import type { ObjectStore, RemoteObject } from '../store/store.js';
import { MD5_METADATA_KEY } from '../upload.js';
import type { StateRecord } from './document.js';
import type { StateLedger } from './ledger.js';

/** Keys a listing page holds (S3's default and maximum `max-keys`). */
const PAGE_KEYS = 1000;

export interface ObserveOptions {
  store: ObjectStore;
  /** Lists the objects under the prefix again. */
  list: () => AsyncIterable<RemoteObject[]>;
  /** Objects under the prefix, about (to weigh a listing against HeadObjects). */
  listedCount: number;
  /** Requests in flight at most (HeadObjects wait for the run's limiter's slots: deploy.ts). */
  concurrency: number;
  signal?: AbortSignal;
}

export async function observeWrites(
  outcomes: readonly Outcome[],
  ledger: StateLedger,
  options: ObserveOptions,
): Promise<void> {
  const settings = settingsSets();
  const unseen: Outcome[] = [];
  for (const outcome of outcomes) {
    const { item, wrote } = outcome;
    if (!wrote || outcome.status !== 'done') continue;
    const answer = wrote.answer;
    if (answer && answer.etag !== '' && answer.lastModified >= 0)
      ledger.vouch(item.key, recordOf(outcome, { ...answer, size: wrote.size }, settings));
    else unseen.push(outcome);
  }
  if (unseen.length === 0) return;
  const pages = Math.max(1, Math.ceil(options.listedCount / PAGE_KEYS));
  if (unseen.length <= pages * options.concurrency) {
    await Promise.all(
      unseen.map(async (outcome) => {
        const head = await options.store.head(
          outcome.item.key,
          options.signal ? { signal: options.signal } : {},
        );
        // Our writes carry the MD5 in metadata wherever it was computed: another one is not ours.
        const stored = head?.metadata[MD5_METADATA_KEY];
        const md5 = outcome.wrote?.md5;
        if (head && (md5 === undefined || stored === undefined || stored === md5))
          vouchIfOurs(ledger, outcome, head, settings);
      }),
    );
    return;
  }
  const byKey = new Map(unseen.map((o) => [o.item.key, o]));
  for await (const page of options.list())
    for (const listed of page) {
      const outcome = byKey.get(listed.key);
      if (outcome) vouchIfOurs(ledger, outcome, listed, settings);
    }
}

/** Vouches for the object seen under the outcome's key if it is the one this run wrote. */
function vouchIfOurs(
  ledger: StateLedger,
  outcome: Outcome,
  seen: { size: number; etag: string; lastModified?: number },
  settings: SettingsSets,
): void {
  const md5 = outcome.wrote?.md5;
  const plainEtag = /^[0-9a-f]{32}$/.test(seen.etag);
  const ours =
    seen.size === outcome.wrote?.size &&
    // An MD5-shaped ETag of an unencrypted single PUT is the MD5 (SSE-KMS ETags are not).
    (md5 === undefined || !plainEtag || seen.etag === md5 || encrypted(outcome));
  if (ours && seen.lastModified !== undefined && seen.lastModified >= 0)
    ledger.vouch(
      outcome.item.key,
      recordOf(outcome, { ...seen, lastModified: seen.lastModified }, settings),
    );
}

function encrypted(outcome: Outcome): boolean {
  return outcome.wrote?.settings.serverSideEncryption?.startsWith('aws:kms') === true;
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
