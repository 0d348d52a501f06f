/**
 * The deploy state document: what s3ship knows of each object it deployed, written at the end
 * of a deploy and read with one GET at the start of the next.
 *
 * Each record is a fact about one version of one object — this ETag and this LastModified had
 * these settings and these bytes — never a claim about the object as it is now. A reader trusts
 * a record only while the listing still shows that ETag and that LastModified (ledger.ts), so a
 * record that went out of date, or came from a concurrent deploy, costs a HeadObject and never
 * a wrong skip. Anything unreadable is a problem to warn about, and the deploy goes on as if
 * there were no state.
 *
 * On the store: gzip of a header line and one line per object,
 *   {"format":…,"version":1,"bucket":…,"prefix":…,"written":…,"count":N,"settings":[{header: value},…]}
 *   <size> TAB <etag> TAB <lastModified ms> TAB <settings index> TAB <md5> TAB <key under the prefix>
 * Settings sets are few (one per rule combination and Content-Type), so records point into the
 * header's table. `md5` is `=` where it equals the ETag (most objects), empty where unknown. A
 * key with a tab, a line break, a backslash or a double quote in it is written as a JSON string
 * (S3 keys may hold any character); any other as it is.
 *
 * Lines, not one JSON document, and read in place: at 200,000 objects, parsing one JSON array
 * and keeping a record object per key held ~250 MB more at the peak of a no-change deploy
 * (measured: 293–450 MB against 185–199 MB). Here the unzipped bytes stay one buffer, with an
 * index from key to line (records.ts); a record is built when asked for.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { fingerprint, type HeaderSet } from '../object-headers.js';
import { PackedRecords } from './records.js';

export const STATE_FORMAT = 's3ship-deploy-state';
export const STATE_VERSION = 1;

export interface StateRecord {
  size: number;
  /** ETag, quotes removed. */
  etag: string;
  /** LastModified in milliseconds since the epoch (a whole second where the store said no more). */
  lastModified: number;
  /** Hex MD5 of the object's bytes, where known. */
  md5: string | undefined;
  /** The settings the object was given (shared between records: do not change). */
  settings: HeaderSet;
}

export interface DeployState {
  bucket: string;
  prefix: string;
  /** Records by full object key. */
  records: ReadonlyMap<string, StateRecord>;
}

/** A state to write: its records may come as they are made (ledger.ts). */
export interface StateToWrite {
  bucket: string;
  prefix: string;
  records: Iterable<readonly [string, StateRecord]>;
}

/** Why a state document could not be used. */
export class StateProblem extends Error {
  override readonly name = 'StateProblem';
}

/** Bytes of unzipped text gathered before they are handed on, and the first chunk's size. */
const CHUNK = 1 << 20;

export function encodeState(state: StateToWrite, written: Date): Buffer {
  // Records share settings sets by reference mostly; equal sets from elsewhere are one entry too.
  const byRef = new Map<HeaderSet, number>();
  const byValue = new Map<string, number>();
  const table: HeaderSet[] = [];
  const indexOf = (set: HeaderSet) => {
    let index = byRef.get(set);
    if (index === undefined) {
      const fp = fingerprint(set);
      index = byValue.get(fp);
      if (index === undefined) byValue.set(fp, (index = table.push(set) - 1));
      byRef.set(set, index);
    }
    return index;
  };
  // The lines go into buffers a chunk at a time (off the JS heap), not into one string.
  const lines = new TextChunks();
  let count = 0;
  for (const [key, r] of state.records) {
    const md5 = r.md5 === undefined ? '' : r.md5 === r.etag ? '=' : r.md5;
    const relative = keyField(key.slice(state.prefix.length));
    lines.add(
      `${r.size}\t${r.etag}\t${r.lastModified}\t${indexOf(r.settings)}\t${md5}\t${relative}\n`,
    );
    count++;
  }
  const header = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    bucket: state.bucket,
    prefix: state.prefix,
    written: written.toISOString(),
    count,
    settings: table,
  };
  return gzipSync(Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), ...lines.done()]));
}

/**
 * Reads a state document for `bucket`/`prefix`. Throws StateProblem saying what is wrong with it
 * (not gzip, cut short, no JSON header, another format, a newer version, another target, a bad
 * line).
 */
export function decodeState(body: Buffer, bucket: string, prefix: string): DeployState {
  let text: Buffer;
  try {
    text = gunzipSync(body);
  } catch (error) {
    throw new StateProblem(`it is not a whole gzip stream (${(error as Error).message})`);
  }
  const headerEnd = text.indexOf(10);
  let header: unknown;
  try {
    header = JSON.parse(text.toString('utf8', 0, headerEnd < 0 ? text.length : headerEnd));
  } catch (error) {
    throw new StateProblem(`it is not JSON (${(error as Error).message})`);
  }
  const d = header as Record<string, unknown>;
  if (typeof d !== 'object' || d === null || d.format !== STATE_FORMAT)
    throw new StateProblem(`it is not an s3ship deploy state (no "format": "${STATE_FORMAT}")`);
  if (!Number.isInteger(d.version))
    throw new StateProblem(
      `its "version" is missing or not a whole number (${JSON.stringify(d.version)})`,
    );
  if ((d.version as number) > STATE_VERSION)
    throw new StateProblem(
      `it was written by a newer s3ship (state version ${String(d.version)}; this one reads ${STATE_VERSION})`,
    );
  if (d.bucket !== bucket || d.prefix !== prefix)
    throw new StateProblem(
      `it describes s3://${String(d.bucket)}/${String(d.prefix)}, not s3://${bucket}/${prefix}`,
    );
  const settings = d.settings;
  if (!Array.isArray(settings) || !settings.every(isHeaderSet))
    throw new StateProblem('its "settings" table is not a list of header maps');
  const records = PackedRecords.read(
    text,
    headerEnd < 0 ? text.length : headerEnd + 1,
    settings,
    prefix,
  );
  if (typeof records === 'number')
    throw new StateProblem(`its object #${records + 1} is not a valid record`);
  if (records.size !== d.count)
    throw new StateProblem(
      `it lists ${records.size} objects where its count says ${String(d.count)}`,
    );
  return { bucket, prefix, records };
}

/** A key as the last field of its line: as it is, unless it holds what would break the line. */
function keyField(relative: string): string {
  return /[\t\n\r\\"]/.test(relative) ? JSON.stringify(relative) : relative;
}

function isHeaderSet(value: unknown): value is HeaderSet {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/** Text written into buffers of CHUNK bytes, as it comes. */
class TextChunks {
  private readonly full: Buffer[] = [];
  private current = Buffer.allocUnsafe(CHUNK);
  private used = 0;

  add(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.used + bytes > this.current.length) {
      this.full.push(this.current.subarray(0, this.used));
      this.current = Buffer.allocUnsafe(Math.max(CHUNK, bytes));
      this.used = 0;
    }
    this.used += this.current.write(text, this.used);
  }

  done(): Buffer[] {
    return [...this.full, this.current.subarray(0, this.used)];
  }
}
