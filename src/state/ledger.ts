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
  /** Records this run vouches for, by key: the next state. */
  private readonly next = new Map<string, StateRecord>();

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

  /** The previous record, as it is (for records merged from elsewhere: see prune). */
  previousRecord(key: string): StateRecord | undefined {
    return this.previous?.records.get(key);
  }

  /** This run vouches for `record` as the object now under `key`. */
  vouch(key: string, record: StateRecord): void {
    this.next.set(key, record);
  }

  /** This run no longer vouches for `key` (its write failed, or it was deleted). */
  forget(key: string): void {
    this.next.delete(key);
  }

  /** Whether the next state says anything the previous one did not (else: nothing to write). */
  changed(): boolean {
    const before = this.previous?.records;
    // No state and nothing to say (a first deploy whose every upload failed): nothing to write.
    if (!before) return this.next.size > 0;
    if (before.size !== this.next.size) return true;
    for (const [key, record] of this.next) if (before.get(key) !== record) return true;
    return false;
  }

  records(): Map<string, StateRecord> {
    return this.next;
  }
}
