/**
 * The spec file's schema (version 1): the single source for validation, the JSON Schema that
 * `s3ship schema` prints and the README's reference table. Every message is phrased
 * "expected …"; the loader appends ", got <value>" from the input.
 */
import * as z from 'zod';
import { DEFAULTS } from '../config.js';
import { formatDeleteCap } from '../delete-cap.js';
import {
  always,
  bool,
  bucket,
  CANNED_ACLS,
  deleteCap,
  duration,
  glob,
  grant,
  globList,
  header,
  httpUrl,
  intRange,
  metadata,
  oneOf,
  prefix,
  size,
  STORAGE_CLASSES,
  str,
} from './fields.js';
import { MAX_PRESIGN_SECONDS } from './duration.js';
import { formatSize, GiB, MiB } from './size.js';
import { credentialsSchema } from '../credentials/spec.js';

// A run parses one spec once: zod's JIT (a parser per object schema, compiled with `new
// Function` on first use) costs more than it saves then — the parse took 5.0–6.2 ms with it and
// 2.7–3.2 ms without (bundled, Node 24). Also no code generation at run time.
z.config({ jitless: true });

/** One entry of `rules`: which files (`match`) and what to set on them. */
const rule = z
  .strictObject(
    {
      match: z
        .union([glob, z.array(glob).min(1)], {
          error: 'expected a glob or a non-empty list of globs',
        })
        .describe('Glob or list of globs (relative to `source`) of the files the rule applies to.'),
      content_type: header('expected a media type')
        .regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, {
          error: 'expected a media type such as "text/html; charset=utf-8"',
        })
        .optional()
        .describe('`Content-Type`; by default derived from the file name.'),
      cache_control: header('expected a Cache-Control value')
        .optional()
        .describe('`Cache-Control` header.'),
      content_disposition: header('expected a Content-Disposition value')
        .optional()
        .describe('`Content-Disposition` header.'),
      content_language: header('expected a Content-Language value')
        .optional()
        .describe('`Content-Language` header.'),
      compress: oneOf(['gzip', 'br'])
        .optional()
        .describe('Precompress the file and send the matching `Content-Encoding`.'),
      metadata: metadata
        .optional()
        .describe(
          'User metadata (`x-amz-meta-*` headers); keys are lower-cased, values are strings.',
        ),
      storage_class: oneOf(STORAGE_CLASSES).optional().describe('S3 storage class.'),
      server_side_encryption: oneOf(['AES256', 'aws:kms', 'aws:kms:dsse'])
        .optional()
        .describe('Server-side encryption.'),
      sse_kms_key_id: str('expected a KMS key id or ARN')
        .optional()
        .describe(
          'KMS key id or ARN; only with `server_side_encryption` `aws:kms` or `aws:kms:dsse`.',
        ),
      acl: oneOf(CANNED_ACLS)
        .optional()
        .describe('Canned ACL; none is sent unless set (buckets with ACLs disabled reject any).'),
      grant_read: grant
        .optional()
        .describe(
          'Grantees that may read the objects (`x-amz-grant-read`), e.g. `uri=http://acs.amazonaws.com/groups/global/AllUsers` for a public site; not together with `acl`.',
        ),
      grant_read_acp: grant
        .optional()
        .describe("Grantees that may read the objects' ACL (`x-amz-grant-read-acp`)."),
      grant_write_acp: grant
        .optional()
        .describe("Grantees that may change the objects' ACL (`x-amz-grant-write-acp`)."),
      grant_full_control: grant
        .optional()
        .describe('Grantees with full control of the objects (`x-amz-grant-full-control`).'),
      website_redirect: str('expected a redirect target')
        .refine((v) => v.startsWith('/') || /^https?:\/\//.test(v), {
          error: 'expected a redirect target starting with "/", "http://" or "https://"',
        })
        .optional()
        .describe(
          'Website redirect (`x-amz-website-redirect-location`): a path starting with `/` or an http(s) URL.',
        ),
    },
    { error: 'expected a rule (a mapping with at least "match")' },
  )
  .refine(
    // With `when: always` this also runs on invalid input, so `r` may be anything.
    (r) =>
      typeof r !== 'object' ||
      r === null ||
      r.sse_kms_key_id === undefined ||
      (r.server_side_encryption !== undefined && r.server_side_encryption !== 'AES256'),
    {
      ...always,
      path: ['sse_kms_key_id'],
      error: 'sse_kms_key_id needs server_side_encryption: aws:kms or aws:kms:dsse',
    },
  )
  .refine(
    // S3 refuses a request with both a canned ACL and explicit grants.
    (r) =>
      typeof r !== 'object' ||
      r === null ||
      r.acl === undefined ||
      [r.grant_read, r.grant_read_acp, r.grant_write_acp, r.grant_full_control].every(
        (g) => g === undefined,
      ),
    { ...always, path: ['acl'], error: 'expected either acl or grant_* in one rule, not both' },
  )
  .describe('A rule: `match` plus the settings for the files it matches.');

/** The `target` mapping: where the files go. */
const target = z.strictObject(
  {
    bucket: bucket.describe('Bucket to deploy to.'),
    prefix: prefix
      .default('')
      .describe(
        'Key prefix for every object, e.g. `site/v1`; a leading `/` is dropped and a trailing `/` added. Deletes never leave it.',
      ),
    region: str('expected a region name such as "eu-west-1"')
      .regex(/^\S+$/, { error: 'expected a region name without spaces' })
      .optional()
      .describe('Region; by default the AWS SDK resolves it (`AWS_REGION`, profile).'),
    endpoint: httpUrl
      .optional()
      .describe('Endpoint of an S3-compatible store, e.g. `http://127.0.0.1:9000`.'),
    path_style: bool()
      .optional()
      .describe('Path-style addressing; defaults to `true` when `endpoint` is set, else `false`.'),
  },
  { error: 'expected a mapping with at least "bucket"' },
);

/** `presign`: which deployed files get a presigned GET link after a deploy, and for how long. */
const presign = z.strictObject(
  {
    match: z
      .union([glob, z.array(glob).min(1)], {
        error: 'expected a glob or a non-empty list of globs',
      })
      .describe('Glob or list of globs (relative to `source`) of the files to link.'),
    expires: duration(1, MAX_PRESIGN_SECONDS)
      .default('1h')
      .describe(
        'How long the links work: seconds or e.g. `12h`, `7d` (SigV4 allows at most 7 days).',
      ),
  },
  { error: 'expected a mapping with at least "match"' },
);

/** `cloudfront`: the distribution whose cache is invalidated for what changed. */
const cloudfront = z.strictObject(
  {
    distribution_id: str('expected a CloudFront distribution id such as "E2QWRUHAPOMQZL"')
      .regex(/^[A-Z0-9]+$/, {
        error: 'expected a CloudFront distribution id: capital letters and digits',
      })
      .describe('Distribution id (capital letters and digits, e.g. `E2QWRUHAPOMQZL`).'),
    endpoint: httpUrl
      .optional()
      .describe("CloudFront API endpoint; by default AWS's (`https://cloudfront.amazonaws.com`)."),
    max_paths: intRange(1, 3000)
      .default(100)
      .describe('When more paths changed than this, invalidate `/*` instead (one path).'),
    origin_path: z
      .string({ error: 'expected a path such as "/www"' })
      .regex(/^(\/[^/\s]+)*$/, { error: 'expected a path such as "/www" (no trailing "/")' })
      .default('')
      .describe(
        'The origin path of the distribution (e.g. `/www` when it serves `s3://bucket/www/` at `/`); removed from keys to form the paths to invalidate.',
      ),
  },
  { error: 'expected a mapping with at least "distribution_id"' },
);

/** `state`: where the deploy state is kept (src/state/location.ts explains the default). */
const state = z.strictObject(
  {
    bucket: bucket
      .optional()
      .describe(
        'Bucket for the state; by default the target bucket. Another (private) bucket keeps it off the site.',
      ),
    key: str('expected an object key such as "deploys/site/state.json.gz"')
      .regex(/^[^/]/, { error: 'expected an object key that does not start with "/"' })
      .optional()
      .describe(
        'Key of the state object; by default `<prefix>.s3ship/state.json.gz` in the target bucket, `<target bucket>/<prefix>state.json.gz` in another.',
      ),
  },
  { error: 'expected a mapping with bucket and/or key' },
);

/** The whole spec (version 1). Input keys are snake_case; normalize.ts maps them to DeployConfig. */
export const specSchema = z
  .strictObject(
    {
      version: z
        .literal(1, { error: 'expected 1 (the only spec version there is)' })
        .describe('Spec format version; must be `1`.'),
      source: str('expected a directory path').describe(
        "Directory to deploy, relative to the spec file's directory (to the working directory with `--source`).",
      ),
      target: target.describe('Where to deploy: bucket, prefix and how to reach the store.'),
      include: globList
        .min(1, { error: 'expected at least one glob' })
        .default([...DEFAULTS.include])
        .describe('Globs (picomatch syntax) of the files to deploy, relative to `source`.'),
      exclude: globList
        .default([])
        .describe(
          `Globs of files never deployed, added to the built-in ${DEFAULTS.exclude.map((g) => `\`${g}\``).join(', ')}. Like \`aws s3 sync\`, the filters apply to the bucket too: a key under \`prefix\` that \`include\` does not match or \`exclude\` matches is never deleted.`,
        ),
      keep: globList
        .default([])
        .describe(
          'Globs (relative to `prefix`) of keys that no file in `source` has and that are never deleted, e.g. `uploads/**` for files users upload next to the site.',
        ),
      follow_outside_symlinks: bool()
        .default(false)
        .describe(
          'Follow symlinks that point outside `source` (off: a pull request could link to secrets).',
        ),
      entry_documents: globList
        .default([...DEFAULTS.entryDocuments])
        .describe(
          'Globs of entry documents (pages), uploaded after every other file so no page links to a missing asset.',
        ),
      rules: z
        .array(rule, { error: 'expected a list of rules' })
        .default([])
        .describe(
          'Ordered rules; every rule that matches a file applies, a later one overriding the fields it sets.',
        ),
      delete: bool()
        .default(false)
        .describe('Delete objects under `prefix` that `source` no longer has.'),
      max_delete: deleteCap
        .default(formatDeleteCap(DEFAULTS.maxDelete))
        .describe(
          'Most objects one run may delete: a number, or a share of the keys under `prefix` that the spec owns (`"25%"`, rounded down; keys `exclude` or `keep` spare do not count); when more are stale, none is deleted. The default stops a build that lost most of the site (an empty or half-written output folder, the wrong `source`) on a site of any size, while routine deletes (a removed page, renamed hashed assets) stay well under half; a deploy that replaces most of a site on purpose passes `--max-delete 100%` once.',
        ),
      allow_empty_source: bool()
        .default(false)
        .describe(
          'Deploy even when `source` has no file after `include`/`exclude` while deletes are on (by default refused, exit 2: a build that wrote nothing would make every key stale).',
        ),
      immutable_changes: oneOf(['warn', 'error'])
        .default('warn')
        .describe(
          'When a file whose `cache_control` says `immutable` changes bytes under the same key (browsers and CDNs may keep the old ones until max-age runs out, often a year): `warn` names the keys and uploads, `error` stops before anything is uploaded (exit 2).',
        ),
      concurrency: intRange(1, 256)
        .default(DEFAULTS.concurrency)
        .describe('Requests in flight at once.'),
      request_timeout: intRange(1, 3600)
        .default(DEFAULTS.requestTimeoutSeconds)
        .describe(
          'Seconds a request may go without sending or receiving a byte before it is abandoned and retried (a hung or unreachable store).',
        ),
      multipart: z
        .strictObject(
          {
            threshold: size(5 * MiB)
              .default(formatSize(DEFAULTS.multipartThreshold))
              .describe('Files of at least this size are uploaded in parts (at least `5MiB`).'),
            part_size: size(5 * MiB, 5 * GiB)
              .default(formatSize(DEFAULTS.partSize))
              .describe(
                'Part size, `5MiB` to `5GiB` (grown when a file would need more than 10,000 parts).',
              ),
          },
          { error: 'expected a mapping with threshold and/or part_size' },
        )
        .prefault({})
        .describe(
          'Multipart upload sizes: integers (bytes) or strings like `8MiB`, `512KiB`, `1GiB`.',
        ),
      presign: presign
        .optional()
        .describe('Presigned GET links listed after each deploy (e.g. for a build artifact).'),
      cloudfront: cloudfront
        .optional()
        .describe('Invalidate the changed paths in a CloudFront distribution after each deploy.'),
      state: state
        .optional()
        .describe(
          'Where the deploy state lives: a record of each deployed object (key, size, ETag, MD5, LastModified, headers) that lets a deploy see changed settings without reading every object. By default under the prefix, where whatever serves the site serves it too (it holds key names and headers, never content or credentials).',
        ),
      credentials: credentialsSchema
        .optional()
        .describe('Where the credentials come from (default: the first source that applies).'),
    },
    { error: 'expected a mapping with at least version, source and target' },
  )
  .meta({
    title: 's3ship deploy spec',
    description: 'Deploy spec for s3ship (s3ship.yml), version 1.',
  });

/** The spec after validation (defaults filled in, keys still snake_case). */
export type Spec = z.output<typeof specSchema>;
