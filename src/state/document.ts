/**
 * The deploy state document: what s3ship knows of each object it deployed, written at the end
 * of a successful deploy and read with one GET at the start of the next.
 *
 * Each record is a fact about one version of one object — this ETag and this LastModified had
 * these settings and these bytes — never a claim about the object as it is now. A reader trusts
 * a record only while the listing still shows that ETag and that LastModified (ledger.ts), so a
 * record that went out of date, or came from a concurrent deploy, costs a HeadObject and never
 * a wrong skip. Anything unreadable is a problem to warn about, and the deploy goes on as if
 * there were no state.
 *
 * On the store: gzip of one JSON document,
 *   { format, version, bucket, prefix, written, count,
 *     settings: [ {header: value, …}, … ],
 *     objects: [ [key under the prefix, size, etag, lastModified (ms), settings index, md5], … ] }
 * Settings sets are few (one per rule combination and Content-Type), so records point into a
 * table. `md5` is `true` where it equals the ETag (a single-part, unencrypted object: most of
 * them, which keeps the document about half the size), null where it is not known, else hex.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { fingerprint, type HeaderSet } from '../object-headers.js';

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
  records: Map<string, StateRecord>;
}

/** Why a state document could not be used. */
export class StateProblem extends Error {
  override readonly name = 'StateProblem';
}

export function encodeState(state: DeployState, written: Date): Buffer {
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
  const objects: unknown[] = [];
  for (const [key, r] of state.records) {
    const index = indexOf(r.settings);
    const md5 = r.md5 === undefined ? null : r.md5 === r.etag ? true : r.md5;
    objects.push([key.slice(state.prefix.length), r.size, r.etag, r.lastModified, index, md5]);
  }
  const document = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    bucket: state.bucket,
    prefix: state.prefix,
    written: written.toISOString(),
    count: objects.length,
    settings: table,
    objects,
  };
  return gzipSync(JSON.stringify(document));
}

/**
 * Reads a state document for `bucket`/`prefix`. Throws StateProblem saying what is wrong with it
 * (not gzip, cut short, not JSON, another shape, a newer version, another target).
 */
export function decodeState(body: Buffer, bucket: string, prefix: string): DeployState {
  let text: string;
  try {
    text = gunzipSync(body).toString('utf8');
  } catch (error) {
    throw new StateProblem(`it is not a whole gzip stream (${(error as Error).message})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StateProblem(`it is not JSON (${(error as Error).message})`);
  }
  const d = document as Record<string, unknown>;
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
  const objects = d.objects;
  if (!Array.isArray(settings) || !settings.every(isHeaderSet))
    throw new StateProblem('its "settings" table is not a list of header maps');
  if (!Array.isArray(objects) || objects.length !== d.count)
    throw new StateProblem(
      `it lists ${Array.isArray(objects) ? objects.length : 'no'} objects where its count says ${String(d.count)}`,
    );
  const records = new Map<string, StateRecord>();
  for (const [i, o] of objects.entries()) {
    const record = recordOf(o, settings);
    if (!record) throw new StateProblem(`its object #${i + 1} is not a valid record`);
    records.set(prefix + (o as string[])[0], record);
  }
  return { bucket, prefix, records };
}

function recordOf(o: unknown, settings: HeaderSet[]): StateRecord | undefined {
  if (!Array.isArray(o) || o.length !== 6) return undefined;
  const [key, size, etag, lastModified, index, md5] = o as unknown[];
  const set = typeof index === 'number' ? settings[index] : undefined;
  const valid =
    typeof key === 'string' &&
    key !== '' &&
    Number.isSafeInteger(size) &&
    typeof etag === 'string' &&
    Number.isSafeInteger(lastModified) &&
    set !== undefined &&
    (md5 === null || md5 === true || (typeof md5 === 'string' && /^[0-9a-f]{32}$/.test(md5)));
  if (!valid) return undefined;
  return {
    size: size as number,
    etag,
    lastModified: lastModified as number,
    md5: md5 === true ? etag : typeof md5 === 'string' ? md5 : undefined,
    settings: set,
  };
}

function isHeaderSet(value: unknown): value is HeaderSet {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
