/**
 * The records of a state document read in place: the unzipped lines stay one buffer, and an
 * open-addressing table maps a hash of each key to its line. A record is built when asked for.
 * At 200,000 keys this holds the buffer (~15 MB, outside the JS heap) and two typed arrays,
 * where a Map of key strings to record objects held ~45 MB of the heap (document.ts says why
 * that matters). Lines are checked once, as they are indexed.
 */
import type { HeaderSet } from '../object-headers.js';
import type { StateRecord } from './document.js';

/** `<size>\t<etag>\t<lastModified>\t<settings index>\t<md5 | = | empty>\t` then the key. */
const FIELDS = /^(\d+)\t([^\t\s]+)\t(\d+)\t(\d+)\t([0-9a-f]{32}|=|)\t$/;

export class PackedRecords implements ReadonlyMap<string, StateRecord> {
  /** Where each line starts in `text`, and (last) where the last one ends. */
  private readonly starts: Uint32Array;
  /** Slot → line + 1 (0: empty); its length is a power of two, at least twice the lines. */
  private readonly slots: Int32Array;

  private constructor(
    private readonly text: Buffer,
    starts: number[],
    private readonly table: readonly HeaderSet[],
    private readonly prefix: string,
  ) {
    this.starts = Uint32Array.from(starts);
    let capacity = 16;
    while (capacity < starts.length * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
  }

  /**
   * Indexes the lines of `text` from `from` on; returns the number of the first line that is
   * not a valid record instead, if one is not.
   */
  static read(
    text: Buffer,
    from: number,
    table: readonly HeaderSet[],
    prefix: string,
  ): PackedRecords | number {
    const starts: number[] = [];
    let at = from;
    while (at < text.length) {
      starts.push(at);
      const end = text.indexOf(10, at);
      if (end < 0) return starts.length - 1; // a last line without its end: cut short
      at = end + 1;
    }
    starts.push(at);
    const records = new PackedRecords(text, starts, table, prefix);
    for (let line = 0; line < starts.length - 1; line++) {
      const key = records.checked(line);
      if (key === undefined || !records.insert(key, line)) return line;
    }
    return records;
  }

  get size(): number {
    return this.starts.length - 1;
  }

  get(key: string): StateRecord | undefined {
    const line = this.lineOf(key);
    return line < 0 ? undefined : this.recordAt(line);
  }

  has(key: string): boolean {
    return this.lineOf(key) >= 0;
  }

  *entries(): MapIterator<[string, StateRecord]> {
    for (let line = 0; line < this.size; line++)
      yield [this.prefix + this.relativeKeyAt(line), this.recordAt(line)];
  }

  *keys(): MapIterator<string> {
    for (let line = 0; line < this.size; line++) yield this.prefix + this.relativeKeyAt(line);
  }

  *values(): MapIterator<StateRecord> {
    for (let line = 0; line < this.size; line++) yield this.recordAt(line);
  }

  [Symbol.iterator](): MapIterator<[string, StateRecord]> {
    return this.entries();
  }

  forEach(fn: (value: StateRecord, key: string, map: ReadonlyMap<string, StateRecord>) => void) {
    for (const [key, value] of this.entries()) fn(value, key, this);
  }

  private lineOf(key: string): number {
    if (!key.startsWith(this.prefix)) return -1;
    const relative = key.slice(this.prefix.length);
    const mask = this.slots.length - 1;
    for (let slot = hash(relative) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) return -1;
      if (this.relativeKeyAt(entry - 1) === relative) return entry - 1;
    }
  }

  /** Puts a line in the table under its key; false if the key is there already. */
  private insert(relative: string, line: number): boolean {
    const mask = this.slots.length - 1;
    for (let slot = hash(relative) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) {
        this.slots[slot] = line + 1;
        return true;
      }
      if (this.relativeKeyAt(entry - 1) === relative) return false;
    }
  }

  /** The line's key if every field of it is valid. */
  private checked(line: number): string | undefined {
    const [start, keyAt] = this.bounds(line);
    const fields = FIELDS.exec(this.text.toString('latin1', start, keyAt));
    if (!fields || Number(fields[4]) >= this.table.length) return undefined;
    try {
      const key = this.relativeKeyAt(line);
      return key === '' ? undefined : key;
    } catch {
      return undefined;
    }
  }

  /** The record of a line: its fields read from the bytes (one string, the ETag; two with an MD5). */
  private recordAt(line: number): StateRecord {
    const { text } = this;
    let at = this.starts[line]!;
    const field = () => {
      const from = at;
      at = text.indexOf(9, at) + 1;
      return from;
    };
    const number = (from: number) => {
      let n = 0;
      for (let i = from; text[i] !== 9; i++) n = n * 10 + text[i]! - 48;
      return n;
    };
    const size = number(field());
    const etagAt = field();
    const etag = text.toString('latin1', etagAt, at - 1);
    const lastModified = number(field());
    const index = number(field());
    const md5At = field();
    const md5Length = at - 1 - md5At;
    return {
      size,
      etag,
      lastModified,
      md5:
        md5Length === 0
          ? undefined
          : text[md5At] === 61 // '='
            ? etag
            : text.toString('latin1', md5At, at - 1),
      settings: this.table[index]!,
    };
  }

  /** The line's key: as written, or read as the JSON string it was written as. */
  private relativeKeyAt(line: number): string {
    const [, keyAt, end] = this.bounds(line);
    const raw = this.text.toString('utf8', keyAt, end);
    if (!raw.startsWith('"')) return raw;
    const key: unknown = JSON.parse(raw);
    if (typeof key !== 'string') throw new TypeError('a key is not a string');
    return key;
  }

  /** Where the line starts, where its key starts, and where it ends (before its newline). */
  private bounds(line: number): [number, number, number] {
    const start = this.starts[line]!;
    const end = this.starts[line + 1]! - 1;
    // The key is the last field, and holds no tab (one that did was written as JSON: escaped).
    return [start, this.text.lastIndexOf(9, end) + 1, end];
  }
}

/** FNV-1a over the key's UTF-16 code units: spreads keys over the table, nothing more. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
