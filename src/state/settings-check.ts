/**
 * Whether an object whose bytes equal the local file's also has the settings the rules give
 * it. The deploy state answers for objects it still describes; any other object's headers are
 * read with a HeadObject (bounded, like every request). Nothing is assumed: an object with no
 * usable record is read, and an ACL no HeadObject shows counts as different (object-headers.ts).
 */
import type { ObjectSettings } from '../config.js';
import {
  describeChanges,
  fingerprint,
  settingChanges,
  wantedHeaders,
  type HeaderSet,
} from '../object-headers.js';
import type { LocalFile } from '../scan.js';
import type { HeadResult, ObjectStore, RemoteObject } from '../store/store.js';
import { MD5_METADATA_KEY } from '../upload.js';
import type { StateRecord } from './document.js';
import type { StateLedger } from './ledger.js';

export type SettingsVerdict =
  /** The object has the rules' settings; the ledger vouches for it. */
  | { same: true }
  /** The bytes are the same but the settings are not: `changes` names them, old → new. */
  | { same: false; changes: string; md5: string | undefined }
  /** The object is no longer the one listed (rewritten or deleted since): upload it. */
  | { replaced: string };

export interface SettingsCheck {
  /**
   * Checks the object `listed` (its bytes equal to `file`'s) against `settings`; `md5` is the
   * bytes' MD5 where known; `headed`, the object's HeadObject answer if one was already read.
   */
  check(
    file: LocalFile,
    listed: RemoteObject,
    settings: ObjectSettings,
    md5: string | undefined,
    headed?: HeadResult,
  ): Promise<SettingsVerdict>;
  /** The Cache-Control the object had, if the state still describes it (immutable guard). */
  previousCacheControl(listed: RemoteObject): Promise<string | undefined>;
  /** The MD5 of the object's bytes, if the state still describes it (instead of a HEAD). */
  recordedMd5(listed: RemoteObject): Promise<string | undefined>;
  /**
   * Keys of objects the state has a record of that no longer describes them: changed since the
   * state was written, by another tool or a concurrent deploy.
   */
  readonly changedSinceState: string[];
  /** Objects read with HeadObject for want of a record (none in the state, or no state). */
  readonly headsWithoutRecord: number;
}

export function settingsCheck(options: {
  /** The state read at the start (a GET that runs while the listing begins). */
  ledger: Promise<StateLedger>;
  store: ObjectStore;
  signal?: AbortSignal;
}): SettingsCheck {
  const { store, signal } = options;
  const wanted = wantedCache();
  const fingerprints = new WeakMap<HeaderSet, string>();
  const fingerprintOf = (headers: HeaderSet) => {
    let fp = fingerprints.get(headers);
    if (fp === undefined) fingerprints.set(headers, (fp = fingerprint(headers)));
    return fp;
  };
  const changedSinceState: string[] = [];
  let headsWithoutRecord = 0;
  // Once the state is read, a check takes no turn of the event loop for it (200,000 per deploy).
  let ledgerRead: StateLedger | undefined;
  void options.ledger.then(
    (ledger) => (ledgerRead = ledger),
    () => undefined,
  );
  return {
    changedSinceState,
    get headsWithoutRecord() {
      return headsWithoutRecord;
    },
    async check(file, listed, settings, md5, headed) {
      const wantedNow = wanted(settings, file.relPath);
      const want = wantedNow instanceof Promise ? await wantedNow : wantedNow;
      const ledger = ledgerRead ?? (await options.ledger);
      const record = ledger.trusted(listed);
      if (record) {
        if (fingerprintOf(record.settings) === fingerprintOf(want)) {
          ledger.carry(listed.key);
          return { same: true };
        }
        const changes = settingChanges(record.settings, want, false);
        return { same: false, changes: describeChanges(changes), md5: md5 ?? record.md5 };
      }
      if (ledger.hasPrevious(listed.key)) changedSinceState.push(listed.key);
      else headsWithoutRecord++;
      // (The store's reads take slots of the run's one request limiter: deploy.ts.)
      const head = headed ?? (await store.head(listed.key, signal ? { signal } : {}));
      if (!head) return { replaced: 'the object was deleted while it was compared' };
      if (head.etag !== listed.etag || head.size !== listed.size)
        return { replaced: 'the object was rewritten while it was compared' };
      const known = md5 ?? head.metadata[MD5_METADATA_KEY];
      const changes = settingChanges(head.headers, want, true);
      if (changes.length > 0) return { same: false, changes: describeChanges(changes), md5: known };
      // Recorded with the listing's time (milliseconds where the store lists them); a HEAD of a
      // later second means the object changed after it was listed: no record then.
      const seen: StateRecord = {
        size: head.size,
        etag: head.etag,
        lastModified: listed.lastModified ?? -1,
        md5: known,
        settings: want,
      };
      const listedSecond = seen.lastModified - (seen.lastModified % 1000);
      if (seen.lastModified >= 0 && head.lastModified <= listedSecond)
        ledger.vouch(listed.key, seen);
      return { same: true };
    },
    previousCacheControl: async (listed) =>
      (await options.ledger).trusted(listed)?.settings['cache-control'],
    recordedMd5: async (listed) => (await options.ledger).trusted(listed)?.md5,
  };
}

/**
 * The wanted headers of a file, one frozen set per rule combination and Content-Type (the
 * Content-Type comes from the file name where no rule sets one: content-type.ts, loaded here
 * only when an object is checked).
 */
function wantedCache(): (
  settings: ObjectSettings,
  relPath: string,
) => HeaderSet | Promise<HeaderSet> {
  let types: typeof import('../content-type.js') | undefined;
  let loading: Promise<typeof import('../content-type.js')> | undefined;
  const cache = new Map<ObjectSettings, Map<string, HeaderSet>>();
  const lookUp = (settings: ObjectSettings, relPath: string, t: typeof types & object) => {
    const contentType = settings.contentType ?? t.contentTypeOf(relPath);
    let byType = cache.get(settings);
    if (!byType) cache.set(settings, (byType = new Map<string, HeaderSet>()));
    let headers = byType.get(contentType);
    if (!headers)
      byType.set(
        contentType,
        (headers = Object.freeze(wantedHeaders({ ...settings, contentType }))),
      );
    return headers;
  };
  return (settings, relPath) => {
    if (types) return lookUp(settings, relPath, types);
    loading ??= import('../content-type.js');
    return loading.then((t) => lookUp(settings, relPath, (types = t)));
  };
}
