/**
 * ETag arithmetic. S3 gives a single-part object the hex MD5 of its bytes as ETag; an object
 * uploaded in N parts gets `hex(md5(md5(part1) ‖ … ‖ md5(partN)))-N`, which depends on the
 * part size the uploader chose. To recognise an unchanged multipart object we recompute that
 * value locally with the right part size: ours (known), or another tool's (inferred).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import { createHash } from 'node:crypto';

const MiB = 1024 * 1024;
/** S3 limits: at most 10,000 parts, each at least 5 MiB except the last, at most 5 GiB. */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * MiB;

/**
 * Part sizes other tools use by default, most common first: AWS CLI 8 MiB, JS SDK / rclone /
 * boto3 5 MiB (rclone grows it), s3cmd 15 MiB, others 16, 50 (s5cmd), 64, 100 MiB.
 */
export const COMMON_PART_SIZES = [8, 5, 15, 16, 50, 64, 100].map((m) => m * MiB);

/** How many candidate part sizes we are willing to hash for one foreign object (CPU bound). */
const MAX_CANDIDATES = 8;

export interface ParsedEtag {
  /** Lower-case hex, without quotes and without the `-N` suffix. */
  hex: string;
  /** Number of parts for a multipart ETag, undefined for a single-part one. */
  parts: number | undefined;
  /** True when it has the shape of an MD5-derived ETag (32 hex digits, optional -N). */
  md5Shaped: boolean;
}

/** Parses an ETag as the store returns it (quoted or not). */
const MD5_ETAG = /^\s*(?:W\/)?"?([0-9a-fA-F]{32})(?:-(\d+))?"?\s*$/;

/**
 * When an ETag proves local bytes equal to the object's: how (a detail for the plan; '' for a
 * plain MD5 match). Undefined when it does not. `digest` holds the local whole-file MD5 (if
 * computed) and the multipart ETag per part size tried.
 */
export function etagProof(
  digest: { md5: string | undefined; multipart: ReadonlyMap<number, string> },
  rawEtag: string,
): string | undefined {
  const etag = parseEtag(rawEtag);
  if (!etag.md5Shaped) return undefined;
  if (etag.parts === undefined) return etag.hex === digest.md5 ? '' : undefined;
  for (const [partSize, value] of digest.multipart) {
    if (value === `${etag.hex}-${etag.parts}`)
      return `multipart ETag matched with ${partSize / MiB} MiB parts`;
  }
  return undefined;
}

export function parseEtag(raw: string): ParsedEtag {
  // The common case in one match (called for every listed object that has a local file).
  const quick = MD5_ETAG.exec(raw);
  if (quick?.[1])
    return {
      hex: quick[1].toLowerCase(),
      parts: quick[2] === undefined ? undefined : Number(quick[2]),
      md5Shaped: true,
    };
  const value = raw.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  const match = /^([0-9a-f]{32})(?:-(\d+))?$/.exec(value);
  if (!match) return { hex: value, parts: undefined, md5Shaped: false };
  const parts = match[2] === undefined ? undefined : Number(match[2]);
  return { hex: match[1] ?? value, parts, md5Shaped: true };
}

/**
 * The part size s3ship uses for a file: the configured size, doubled until the file fits in
 * 10,000 parts — the AWS CLI's rule, so with the same configured size our ETags match its.
 */
export function ourPartSize(fileSize: number, configured: number): number {
  let size = configured;
  while (Math.ceil(fileSize / size) > MAX_PARTS) size *= 2;
  return size;
}

/** Number of parts a file of `size` bytes has with part size `partSize` (a 0-byte file has 1). */
export function partCount(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

/**
 * Candidate part sizes that could have produced an N-part ETag for an object of `size` bytes:
 * every p with ceil(size / p) = N. Whole-MiB values only (what tools configure), common tool
 * defaults first, then the values nearest to size / N. Bounded, because each candidate costs
 * one MD5 pass over the file (all candidates share one read).
 */
export function candidatePartSizes(size: number, parts: number, known: number[] = []): number[] {
  const fits = (p: number) => p > 0 && partCount(size, p) === parts;
  const out: number[] = [];
  const add = (p: number) => {
    if (fits(p) && !out.includes(p) && out.length < MAX_CANDIDATES) out.push(p);
  };
  known.forEach(add);
  COMMON_PART_SIZES.forEach(add);
  if (parts === 1) {
    // A 1-part multipart ETag is md5(md5(all bytes))-1 whatever the part size: one candidate does.
    add(Math.max(size, 1));
    return out.slice(0, 1);
  }
  // p in [size/N, size/(N-1)): walk whole MiB values upward from the smallest that fits.
  const first = Math.ceil(size / parts / MiB) * MiB;
  for (let p = first; p < size && out.length < MAX_CANDIDATES; p += MiB) {
    if (partCount(size, p) < parts) break;
    add(p);
  }
  return out;
}

/** Multipart ETag from the MD5 digests of the parts, in order. */
export function multipartEtag(partDigests: readonly Buffer[]): string {
  const md5 = createHash('md5');
  for (const digest of partDigests) md5.update(digest);
  return `${md5.digest('hex')}-${partDigests.length}`;
}
