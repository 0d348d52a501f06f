/**
 * The building blocks of the spec schema: one per kind of value, each with the message that
 * says what is expected. Kept apart from schema.ts so that file reads as the spec's outline.
 */
import * as z from 'zod';
import { DELETE_CAP_PATTERN, parseDeleteCap } from '../delete-cap.js';
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';
import { formatSize, parseSize, SIZE_PATTERN } from './size.js';

/** Runs a refinement even when sibling fields failed, so one pass reports every problem. */
export const always = { when: () => true } as const;

/** A non-empty string; both failures share one message, the loader adds what was found. */
export const str = (expected: string) => z.string({ error: expected }).min(1, { error: expected });

/** Header values travel in HTTP headers: printable ASCII only, so no CR/LF can split a header. */
export const header = (expected: string) =>
  str(expected).regex(/^[\x20-\x7e\t]*$/, { error: `${expected} in printable ASCII` });

/** A picomatch glob, relative to the source directory. */
export const glob = str('expected a glob').refine((g) => !g.startsWith('/'), {
  error: 'expected a glob relative to the source directory (drop the leading "/")',
});

/** A list of globs. */
export const globList = z.array(glob, { error: 'expected a list of globs' });

/** true or false (YAML 1.2: `yes`/`no` are strings and are refused). */
export const bool = () => z.boolean({ error: 'expected true or false' });

/** An integer of at least `min` (and at most `max`, when given). */
export const intRange = (min: number, max?: number) => {
  const expected =
    max === undefined
      ? `expected an integer of ${min} or more`
      : `expected an integer from ${min} to ${max}`;
  const int = z.int({ error: expected }).min(min, { error: expected });
  return max === undefined ? int : int.max(max, { error: expected });
};

const SIZE_EXPECTED =
  'expected a size: bytes as an integer, or a string like "8MiB", "512KiB", "1GiB"';

/** A byte size (integer or "8MiB"-style string) from `min` to `max` bytes. */
export const size = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .union(
      [
        z.int({ error: SIZE_EXPECTED }).min(0, { error: SIZE_EXPECTED }),
        z
          .string({ error: SIZE_EXPECTED })
          .regex(new RegExp(SIZE_PATTERN), { error: SIZE_EXPECTED }),
      ],
      { error: SIZE_EXPECTED },
    )
    .refine((v) => parseSize(v) >= min && parseSize(v) <= max, {
      // Only for well-formed sizes: "lots" gets one problem, not a second about its range.
      when: (payload) => payload.issues.length === 0,
      error:
        max === Number.MAX_SAFE_INTEGER
          ? `expected a size of at least ${formatSize(min)}`
          : `expected a size from ${formatSize(min)} to ${formatSize(max)}`,
    });

/** S3 bucket naming rules (general purpose buckets; directory buckets fit them too). */
export const bucket = str('expected a bucket name')
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    error:
      'expected a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, ' +
      'starting and ending with a letter or digit',
  })
  .refine((b) => !b.includes('..'), { error: 'expected a bucket name without ".."' })
  .refine((b) => !/^\d+\.\d+\.\d+\.\d+$/.test(b), {
    error: 'expected a bucket name, not an IP address',
  });

/** A key prefix; normalize.ts turns it into '' or 'a/b/'. */
export const prefix = z
  .string({ error: 'expected a key prefix such as "site/v1"' })
  .refine((p) => !p.split('/').includes('..'), {
    error: 'expected a key prefix without ".." segments',
  })
  .refine((p) => !p.includes('//'), {
    error: 'expected a key prefix without empty segments ("//")',
  })
  .refine((p) => !/\p{Cc}/u.test(p), { error: 'expected a key prefix without control characters' })
  // S3 keys are at most 1,024 bytes: the prefix, its `/`, and at least one byte of file name.
  .refine((p) => Buffer.byteLength(p.replace(/^\/+|\/+$/g, ''), 'utf8') <= 1022, {
    error:
      'expected a key prefix of at most 1,022 bytes (S3 keys, prefix included, are at most 1,024)',
  });

/** An http(s) URL with a host (custom endpoints). */
export const httpUrl = str('expected an http:// or https:// URL').refine(isHttpUrl, {
  error: 'expected an http:// or https:// URL such as "http://127.0.0.1:9000"',
});

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** One of a fixed list of strings. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of: ${values.join(', ')}` });

/** S3 storage classes accepted in rules. */
export const STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
  'EXPRESS_ONEZONE',
] as const;

/** S3 canned ACLs. */
export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;

/** S3 caps user metadata at 2 KB (keys and values, as sent). */
const MAX_METADATA_BYTES = 2048;

/** User metadata: keys of letters, digits and '-' (lower-cased later), ASCII string values. */
export const metadata = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, { error: 'expected a metadata key of letters, digits and "-"' }),
    z
      .string({ error: 'expected a string' })
      .regex(/^[\x20-\x7e]*$/, { error: 'expected a metadata value in printable ASCII' }),
    { error: 'expected a mapping of metadata keys to string values' },
  )
  .refine(
    (m) => new Set(Object.keys(m).map((k) => k.toLowerCase())).size === Object.keys(m).length,
    { error: 'expected metadata keys that differ in more than letter case (they are lower-cased)' },
  )
  .refine(
    (m) =>
      Object.entries(m).reduce((n, [k, v]) => n + k.length + v.length, 0) <= MAX_METADATA_BYTES,
    { error: `expected at most ${MAX_METADATA_BYTES} bytes of metadata (keys and values)` },
  );

/** An S3 grant header value: comma-separated `id=…`, `uri=…` or `emailAddress=…` grantees. */
export const grant = header(
  'expected a grant such as "uri=http://acs.amazonaws.com/groups/global/AllUsers"',
).refine(
  (v) => v.split(',').every((g) => /^\s*(id|uri|emailAddress)=("[^"]+"|[^\s",]+)\s*$/.test(g)),
  {
    error:
      'expected grantees as id=<canonical user id>, uri=<group URI> or emailAddress=<address>, comma-separated',
  },
);

const DURATION_EXPECTED = 'expected a duration: seconds as an integer, or e.g. "90m", "12h", "7d"';

/** A duration (integer seconds or "12h"-style string) from `min` to `max` seconds. */
export const duration = (min: number, max: number) =>
  z
    .union(
      [
        z.int({ error: DURATION_EXPECTED }).min(0, { error: DURATION_EXPECTED }),
        z
          .string({ error: DURATION_EXPECTED })
          .regex(new RegExp(DURATION_PATTERN), { error: DURATION_EXPECTED }),
      ],
      { error: DURATION_EXPECTED },
    )
    .refine((v) => parseDuration(v) >= min && parseDuration(v) <= max, {
      when: (payload) => payload.issues.length === 0,
      error: `expected a duration from ${formatDuration(min)} to ${formatDuration(max)}`,
    });

const DELETE_CAP_EXPECTED =
  'expected a number of keys (an integer of 0 or more) or a share of the keys under the prefix such as "25%"';

/** `max_delete`: a number of keys, or a share of the listed keys (delete-cap.ts). */
export const deleteCap = z
  .union(
    [
      z.int({ error: DELETE_CAP_EXPECTED }).min(0, { error: DELETE_CAP_EXPECTED }),
      z
        .string({ error: DELETE_CAP_EXPECTED })
        .regex(new RegExp(DELETE_CAP_PATTERN), { error: DELETE_CAP_EXPECTED }),
    ],
    { error: DELETE_CAP_EXPECTED },
  )
  .refine((v) => parseDeleteCap(v) !== undefined, {
    // Only for well-formed values: "lots" gets one problem, not a second about its range.
    when: (payload) => payload.issues.length === 0,
    error: 'expected a share of at most 100%',
  });
