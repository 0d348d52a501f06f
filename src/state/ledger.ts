/**
 * The deploy state during one run: the records read at the start (trusted only where the
 * listing still shows the same object), and the records this run can vouch for — carried over,
 * read from an object, or written — which become the next state.
 */
import type { RemoteObject } from '../store/store.js';
import type { DeployState, StateRecord } from './document.js';

/**
 * Whether a recorded LastModified is the listed one. Times are compared to the millisecond
 * where the store gives milliseconds (Ceph RGW lists them); a recorded whole second — what S3
 * lists, and what a HeadObject says anywhere — stands for any time within that second. (So on
 * S3, a header change made in the same second as s3ship's own write of that object goes unseen
 * until the object changes again: S3 says no more than that.)
 */
function sameTime(recorded: number, listed: number | undefined): boolean {
  if (listed === undefined || listed < 0) return false;
  return recorded === listed || (recorded % 1000 === 0 && listed - (listed % 1000) === recorded);
}

export class StateLedger {
  /**
   * Keys whose previous record this run vouches for as it is (a no-change deploy: all of them;
   * the keys are the scan's own strings, so this costs the set's table and nothing more).
   */
  private readonly carried = new Set<string>();
  /** Records this run made: read from an object, or written. */
  private readonly made = new Map<string, StateRecord>();

  constructor(private readonly previous: DeployState | undefined) {}

  /**
   * The previous record of the object the listing shows, if it still describes it: same size,
   * ETag and LastModified. A header-only change (CopyObject with REPLACE) keeps the ETag of a
   * single-part object but not its LastModified; a rewrite changes both.
   */
  trusted(listed: RemoteObject): StateRecord | undefined {
    const record = this.previous?.records.get(listed.key);
    return record !== undefined &&
      record.etag === listed.etag &&
      record.size === listed.size &&
      sameTime(record.lastModified, listed.lastModified)
      ? record
      : undefined;
  }

  /** Whether the previous state has a record for `key` (trusted or not). */
  hasPrevious(key: string): boolean {
    return this.previous?.records.has(key) ?? false;
  }

  /** This run vouches for the previous record of `key` (see `trusted`) as it is. */
  carry(key: string): void {
    this.made.delete(key);
    this.carried.add(key);
  }

  /** This run vouches for `record` as the object now under `key`. */
  vouch(key: string, record: StateRecord): void {
    this.carried.delete(key);
    this.made.set(key, record);
  }

  /** Whether the next state says anything the previous one did not (else: nothing to write). */
  changed(): boolean {
    const before = this.previous?.records;
    // No state and nothing to say (a first deploy whose every upload failed): nothing to write.
    if (!before) return this.made.size > 0;
    return this.made.size > 0 || this.carried.size !== before.size;
  }

  /** Whether this run made any record (read one from an object, or wrote the object). */
  madeAny(): boolean {
    return this.made.size > 0;
  }

  /** The records this run made. */
  madeRecords(): Iterable<[string, StateRecord]> {
    return this.made;
  }

  /** The next state's records: those carried over, then those made. */
  *records(): Generator<[string, StateRecord]> {
    if (this.previous)
      for (const [key, record] of this.previous.records)
        if (this.carried.has(key)) yield [key, record];
    yield* this.made;
  }
}
