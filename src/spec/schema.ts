/**
 * The spec file's schema (version 1): the single source for validation, the JSON Schema that
 * `s3ship schema` prints and the README's reference table. Every message is phrased
 * "expected …"; the loader appends ", got <value>" from the input.
 */
import * as z from 'zod';
import { DEFAULTS } from '../config.js';
import { formatSize, GiB, MiB, parseSize, SIZE_PATTERN } from './size.js';

/** Runs a refinement even when sibling fields failed, so one pass reports every problem. */
const always = { when: () => true } as const;

const str = (expected: string) =>
  z.string({ error: expected }).min(1, { error: `${expected} (not empty)` });

/** Header values travel in HTTP headers: printable ASCII only, so no CR/LF can split a header. */
const header = (expected: string) =>
  str(expected).regex(/^[\x20-\x7e\t]*$/, { error: `${expected} in printable ASCII` });

const glob = str('expected a glob').refine((g) => !g.startsWith('/'), {
  error: 'expected a glob relative to the source directory (drop the leading "/")',
});

const globList = z.array(glob, { error: 'expected a list of globs' });

const bool = () => z.boolean({ error: 'expected true or false' });

const intRange = (min: number, max?: number) => {
  const expected =
    max === undefined ? `expected an integer of ${min} or more` : `expected an integer from ${min} to ${max}`;
  const int = z.int({ error: expected }).min(min, { error: expected });
  return max === undefined ? int : int.max(max, { error: expected });
};

const size = (min: number, max: number, what: string) =>
  z
    .union([z.int().min(0), z.string().regex(new RegExp(SIZE_PATTERN))], {
      error: 'expected a size: bytes as an integer, or a string like "8MiB", "512KiB", "1GiB"',
    })
    .refine((v) => parseSize(v) >= min && parseSize(v) <= max, {
      error: `expected ${what} from ${formatSize(min)} to ${formatSize(max)}`,
    });

/** S3 bucket naming rules (general purpose buckets; directory buckets fit them too). */
const bucket = str('expected a bucket name')
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    error:
      'expected a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, ' +
      'starting and ending with a letter or digit',
  })
  .refine((b) => !b.includes('..'), { error: 'expected a bucket name without ".."' })
  .refine((b) => !/^\d+\.\d+\.\d+\.\d+$/.test(b), {
    error: 'expected a bucket name, not an IP address',
  });

const prefix = z
  .string({ error: 'expected a key prefix such as "site/v1"' })
  .refine((p) => !p.split('/').includes('..'), { error: 'expected a key prefix without ".." segments' })
  .refine((p) => !p.includes('//'), { error: 'expected a key prefix without empty segments ("//")' })
  .refine((p) => !/[\x00-\x1f\x7f]/.test(p), { error: 'expected a key prefix without control characters' });

const httpUrl = str('expected an http:// or https:// URL').refine(isHttpUrl, {
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

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of: ${values.join(', ')}` });

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

const metadata = z
  .record(
    z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'expected a metadata key of letters, digits and "-"' }),
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
    (m) => Object.entries(m).reduce((n, [k, v]) => n + k.length + v.length, 0) <= MAX_METADATA_BYTES,
    { error: `expected at most ${MAX_METADATA_BYTES} bytes of metadata (keys and values)` },
  );

const rule = z
  .strictObject(
    {
      match: z
        .union([glob, z.array(glob).min(1)], { error: 'expected a glob or a non-empty list of globs' })
        .describe('Glob or list of globs (relative to the source) the rule applies to.'),
      content_type: header('expected a media type')
        .regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, { error: 'expected a media type such as "text/html; charset=utf-8"' })
        .optional()
        .describe('Content-Type; by default it is derived from the file name.'),
      cache_control: header('expected a Cache-Control value').optional().describe('Cache-Control header.'),
      content_disposition: header('expected a Content-Disposition value')
        .optional()
        .describe('Content-Disposition header.'),
      content_language: header('expected a Content-Language value').optional().describe('Content-Language header.'),
      compress: oneOf(['gzip', 'br'])
        .optional()
        .describe('Precompress the file and send the matching Content-Encoding.'),
      metadata: metadata.optional().describe('User metadata (x-amz-meta-*); keys are lower-cased.'),
      storage_class: oneOf(STORAGE_CLASSES).optional().describe('S3 storage class.'),
      server_side_encryption: oneOf(['AES256', 'aws:kms', 'aws:kms:dsse'])
        .optional()
        .describe('Server-side encryption.'),
      sse_kms_key_id: str('expected a KMS key id or ARN')
        .optional()
        .describe('KMS key for server_side_encryption aws:kms or aws:kms:dsse.'),
      acl: oneOf(CANNED_ACLS)
        .optional()
        .describe('Canned ACL; none is sent unless set (buckets with ACLs disabled reject any).'),
      website_redirect: str('expected a redirect target')
        .refine((v) => v.startsWith('/') || /^https?:\/\//.test(v), {
          error: 'expected a redirect target starting with "/", "http://" or "https://"',
        })
        .optional()
        .describe('x-amz-website-redirect-location: a path or an http(s) URL.'),
    },
    { error: 'expected a rule (a mapping with at least "match")' },
  )
  .refine(
    (r: { sse_kms_key_id?: unknown; server_side_encryption?: unknown }) =>
      r.sse_kms_key_id === undefined ||
      (r.server_side_encryption !== undefined && r.server_side_encryption !== 'AES256'),
    {
      ...always,
      path: ['sse_kms_key_id'],
      error: 'sse_kms_key_id needs server_side_encryption: aws:kms or aws:kms:dsse',
    },
  );

const target = z.strictObject(
  {
    bucket: bucket.describe('Bucket to deploy to.'),
    prefix: prefix
      .default('')
      .describe('Key prefix; stored as "" or "a/b/" (leading "/" dropped, trailing "/" added).'),
    region: str('expected a region name such as "eu-west-1"')
      .regex(/^\S+$/, { error: 'expected a region name without spaces' })
      .optional()
      .describe('Region; by default the AWS SDK resolves it (AWS_REGION, profile).'),
    endpoint: httpUrl.optional().describe('Custom S3-compatible endpoint (http or https URL).'),
    path_style: bool()
      .optional()
      .describe('Path-style addressing; defaults to true when endpoint is set, else false.'),
  },
  { error: 'expected a mapping with at least "bucket"' },
);

/** The whole spec (version 1). Input keys are snake_case; load.ts maps them to DeployConfig. */
export const specSchema = z
  .strictObject(
    {
      version: z
        .literal(1, { error: 'expected 1 (the only spec version there is)' })
        .describe('Spec format version; must be 1.'),
      source: str('expected a directory path').describe(
        "Directory to deploy, relative to the spec file's directory.",
      ),
      target: target.describe('Where to deploy.'),
      include: globList
        .min(1, { error: 'expected at least one glob' })
        .default([...DEFAULTS.include])
        .describe('Globs (picomatch) of files to deploy, relative to the source.'),
      exclude: globList
        .default([])
        .describe(`Globs never deployed, added to the built-in ones (${DEFAULTS.exclude.join(', ')}).`),
      follow_outside_symlinks: bool()
        .default(false)
        .describe('Follow symlinks that point outside the source directory.'),
      entry_documents: globList
        .default([...DEFAULTS.entryDocuments])
        .describe('Globs of entry documents, uploaded after every other file.'),
      rules: z
        .array(rule, { error: 'expected a list of rules' })
        .default([])
        .describe('Ordered rules; every matching rule applies, later ones override earlier per field.'),
      delete: bool().default(false).describe('Delete objects under the prefix that the source no longer has.'),
      max_delete: intRange(0)
        .default(DEFAULTS.maxDelete)
        .describe('Most objects one run may delete; with more stale objects none is deleted.'),
      concurrency: intRange(1, 256).default(DEFAULTS.concurrency).describe('Parallel requests.'),
      multipart: z
        .strictObject(
          {
            threshold: size(5 * MiB, 5 * 1024 * GiB, 'a size')
              .default(formatSize(DEFAULTS.multipartThreshold))
              .describe('Files of at least this size are uploaded in parts.'),
            part_size: size(5 * MiB, 5 * GiB, 'a part size')
              .default(formatSize(DEFAULTS.partSize))
              .describe('Size of each part (grown when a file would need more than 10,000).'),
          },
          { error: 'expected a mapping with threshold and/or part_size' },
        )
        .prefault({})
        .describe('Multipart upload sizes: bytes, or strings like "8MiB".'),
    },
    { error: 'expected a mapping with at least version, source and target' },
  )
  .meta({ title: 's3ship deploy spec', description: 'Deploy spec for s3ship (s3ship.yml), version 1.' });

/** The spec after validation (defaults filled in, keys still snake_case). */
export type Spec = z.output<typeof specSchema>;
