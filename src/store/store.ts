/**
 * The narrow interface the sync engine talks to. One S3 implementation (s3-store.ts); the
 * plan and executor tests use an in-memory one that can be told to fail.
 * Implementations do not retry: retries are the executor's, explicit and visible.
 */
import type { HeaderSet } from '../object-headers.js';
import type { ResolvedSettings } from '../settings.js';

export interface RemoteObject {
  key: string;
  size: number;
  /** ETag as listed, quotes removed. */
  etag: string;
  /**
   * LastModified as listed, in milliseconds since the epoch (-1 if the store sent none; unset
   * only where no store listed it, as in plan tests).
   */
  lastModified?: number;
}

export interface HeadResult {
  size: number;
  etag: string;
  /** Last-Modified, in milliseconds since the epoch (whole seconds: an HTTP date; -1: none). */
  lastModified: number;
  /** User metadata, keys lower-case without the x-amz-meta- prefix. */
  metadata: Record<string, string>;
  /** The object's settings as headers (object-headers.ts headersOfObject). */
  headers: HeaderSet;
  /** Set when the store answered a `PartNumber` head for a multipart object. */
  partsCount?: number;
}

export interface PutInput {
  key: string;
  body: Buffer;
  /** Base64 MD5 of body, sent as Content-MD5 so the store verifies the bytes. */
  contentMd5: string;
  settings: ResolvedSettings;
  metadata: Record<string, string>;
}

/** A server-side copy of an object onto itself with new settings (ObjectStore.copyInPlace). */
export interface CopyInput {
  key: string;
  /** The object's size (above 5 GiB it is copied in parts). */
  size: number;
  /** The ETag the object must still have (quotes removed). */
  etag: string;
  settings: ResolvedSettings;
  metadata: Record<string, string>;
}

/** What the store says of an object it wrote: '' / -1 where its answer did not say. */
export interface Written {
  etag: string;
  lastModified: number;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface OpenUpload {
  uploadId: string;
  /** When the store says the upload began (its clock). */
  initiated: Date | undefined;
}

export interface DeleteResult {
  deleted: string[];
  errors: { key: string; code: string; message: string }[];
}

/** Where a store writes: enough to name the bucket, ARNs and region in messages. */
export interface StoreTarget {
  bucket: string;
  prefix: string;
  region: string | undefined;
  endpoint: string | undefined;
  /** Who the credentials act as, e.g. `role arn:aws:iam::1:role/deploy` (named when refused). */
  principal?: string | undefined;
}

export interface ObjectStore {
  readonly target: StoreTarget;
  /**
   * Lists every object under the prefix, a page at a time (ListObjectsV2), in key order; with
   * `startAfter`, only the keys after it (S3 `start-after`: a listing resumed after a failure).
   * A store that ignores it lists from the start again: callers take a key seen twice in stride.
   */
  list(prefix: string, signal?: AbortSignal, startAfter?: string): AsyncIterable<RemoteObject[]>;
  head(
    key: string,
    options?: { partNumber?: number; signal?: AbortSignal },
  ): Promise<HeadResult | undefined>;
  /** The object's bytes (GetObject), or undefined when there is none. */
  get(key: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  put(input: PutInput, signal?: AbortSignal): Promise<void>;
  /** Replaces an object's settings without sending its bytes (see S3Store.copyInPlace). */
  copyInPlace(input: CopyInput, signal?: AbortSignal): Promise<Written>;
  createMultipart(
    input: Omit<PutInput, 'body' | 'contentMd5'>,
    signal?: AbortSignal,
  ): Promise<string>;
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Buffer,
    contentMd5: string,
    signal?: AbortSignal,
  ): Promise<CompletedPart>;
  completeMultipart(
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    signal?: AbortSignal,
  ): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /**
   * Open multipart uploads of exactly `key` (ListMultipartUploads). Used to find an upload a
   * CreateMultipartUpload made although its answer was lost. Optional: a store without it
   * cannot clean those up (a lifecycle rule still can).
   */
  listUploads?(key: string, signal?: AbortSignal): Promise<OpenUpload[]>;
  /** Deletes up to 1,000 keys in one request; per-key errors are returned, not thrown. */
  deleteMany(keys: string[], signal?: AbortSignal): Promise<DeleteResult>;
}

/** The reads a wrapper may change (retrying, limiting): see `withReads`. */
export type StoreReads = Pick<ObjectStore, 'list' | 'head' | 'get'>;

/** `store` with its reads replaced by `reads`, every other request passed on as it is. */
export function withReads(store: ObjectStore, reads: Partial<StoreReads>): ObjectStore {
  return {
    target: store.target,
    list: store.list.bind(store),
    head: store.head.bind(store),
    get: store.get.bind(store),
    put: store.put.bind(store),
    copyInPlace: store.copyInPlace.bind(store),
    createMultipart: store.createMultipart.bind(store),
    uploadPart: store.uploadPart.bind(store),
    completeMultipart: store.completeMultipart.bind(store),
    abortMultipart: store.abortMultipart.bind(store),
    deleteMany: store.deleteMany.bind(store),
    ...(store.listUploads ? { listUploads: store.listUploads.bind(store) } : {}),
    ...reads,
  };
}

/**
 * A failed store request, classified. `code` is the S3 error code (`AccessDenied`, `SlowDown`)
 * or a network code (`ECONNRESET`); the store sets `retryable` and `fatal` from it.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: string,
    message: string,
    readonly details: {
      status?: number;
      retryable: boolean;
      /** Fatal errors stop the whole deploy (bad credentials, missing bucket, access refused). */
      fatal: boolean;
      /** Seconds the store asked us to wait (Retry-After). */
      retryAfter?: number;
      operation: string;
      key?: string;
      /** The bucket's real region, when the store named it (x-amz-bucket-region, error body). */
      region?: string;
      /** Store clock minus ours in ms, measured from its Date header (RequestTimeTooSkewed). */
      skewMs?: number;
      /** The ACL or grants the request carried (explains an AccessDenied caused by them). */
      acl?: string;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
