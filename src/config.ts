/**
 * The normalized deploy configuration: what the spec loader produces (after YAML parsing,
 * `${VAR}` expansion, schema validation and CLI overrides) and what the sync engine consumes.
 * Nothing downstream of this type reads YAML, flags or the environment.
 */
import type { CredentialsConfig } from './credentials/config.js';
import type { DeleteCap } from './delete-cap.js';

/** Precompression applied to the bytes before upload; the object gets this Content-Encoding. */
export type Compression = 'gzip' | 'br';

/** Headers and object settings a rule can set. Every field is optional; later rules override. */
export interface ObjectSettings {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  /** Precompress with gzip or brotli and send the matching Content-Encoding. */
  compress?: Compression;
  /** User metadata (x-amz-meta-*), keys lower-cased. */
  metadata?: Record<string, string>;
  storageClass?: string;
  serverSideEncryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  sseKmsKeyId?: string;
  /** Canned ACL. None is sent unless a rule asks (buckets with ACLs disabled reject any). */
  acl?: string;
  /** Explicit grants (x-amz-grant-*), e.g. `uri=http://acs.amazonaws.com/groups/global/AllUsers`. */
  grantRead?: string;
  grantReadAcp?: string;
  grantWriteAcp?: string;
  grantFullControl?: string;
  /** x-amz-website-redirect-location */
  websiteRedirect?: string;
}

/** One ordered rule: every rule whose globs match a key applies, later ones override earlier. */
export interface Rule extends ObjectSettings {
  match: string[];
}

export interface Target {
  bucket: string;
  /** Key prefix, either '' or ending in '/'. Deletes never leave it. */
  prefix: string;
  region: string | undefined;
  endpoint: string | undefined;
  /** Path-style addressing; defaults to true when a custom endpoint is set. */
  pathStyle: boolean;
}

export interface DeployConfig {
  /** Absolute path of the spec file, when one was read. */
  specFile: string | undefined;
  target: Target;
  /** Absolute path of the directory to deploy. */
  source: string;
  include: string[];
  exclude: string[];
  /** Globs (relative to the prefix) of keys no local file has that are never deleted. */
  keep: string[];
  /** Follow symlinks that leave the source tree (off by default: a PR could link to secrets). */
  followOutsideSymlinks: boolean;
  rules: Rule[];
  /** Globs of entry documents (uploaded after every other file). */
  entryDocuments: string[];
  /**
   * Deploy an empty source (no file after include/exclude) although deletes are on; refused
   * otherwise, since it makes every key stale (guards.ts).
   */
  allowEmptySource: boolean;
  delete: {
    enabled: boolean;
    /**
     * Upper bound on deletes in one run (keys, or a share of the keys listed under the prefix);
     * when more keys are stale, none is deleted.
     */
    max: DeleteCap;
  };
  /**
   * When the plan gives new bytes to a key whose Cache-Control says immutable: warn and upload,
   * or stop before anything is uploaded.
   */
  immutableChanges: 'warn' | 'error';
  concurrency: number;
  /** Milliseconds a request may make no progress before it fails (and is retried). */
  requestTimeoutMs?: number;
  multipart: {
    /** Files of at least this many bytes are uploaded in parts. */
    threshold: number;
    /** Part size for our uploads (grown so that no file needs more than 10,000 parts). */
    partSize: number;
  };
  /** Where credentials come from (absent: `auto`, see src/credentials.ts). */
  credentials?: CredentialsConfig;
  /** Presigned GET links listed after a deploy, for the files matching these globs. */
  presign?: { match: string[]; expiresInSeconds: number };
  /** CloudFront invalidation of the changed paths after a deploy. */
  cloudfront?: CloudFrontSettings;
  /** Where the deploy state lives (unset: the default, see src/state/location.ts). */
  state?: { bucket?: string; key?: string };
}

export interface CloudFrontSettings {
  distributionId: string;
  /** CloudFront API endpoint (tests point it at a local stand-in). */
  endpoint: string | undefined;
  /** More changed paths than this are invalidated as one `/*`. */
  maxPaths: number;
  /** The distribution's origin path (e.g. `/www`), removed from keys to give URL paths. */
  originPath: string;
}

export const DEFAULTS = {
  include: ['**'],
  /** VCS and OS clutter is never published unless included explicitly by the user's own excludes. */
  exclude: ['**/.git/**', '**/.git', '**/.svn/**', '**/.hg/**', '**/.DS_Store'],
  entryDocuments: ['**/*.html', '**/*.htm'],
  concurrency: 64,
  /** Like the AWS CLI's read timeout: long enough for a slow store, short enough for CI. */
  requestTimeoutSeconds: 60,
  /**
   * Half of the keys under the prefix: a build that lost most of the site (an empty or
   * half-written output folder, the wrong `source`) deletes nothing on a site of any size, while
   * routine deletes (a removed page, renamed hashed assets) stay well under half. A share, not a
   * number: 256 left a 100-key site no guard at all and blocked a routine cleanup on a big one.
   */
  maxDelete: { percent: 50 } as DeleteCap,
  multipartThreshold: 16 * 1024 * 1024,
  partSize: 8 * 1024 * 1024,
} as const;
