/**
 * An in-memory ObjectStore for plan and executor tests (never as proof that S3 works). It
 * computes real ETags (MD5, multipart), verifies Content-MD5, records the highest number of
 * requests in flight, and can be told to fail chosen operations.
 */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { multipartEtag } from '../../src/etag.js';
import {
  StoreError,
  type CompletedPart,
  type CopyInput,
  type DeleteResult,
  type HeadResult,
  type ObjectStore,
  type PutInput,
  type RemoteObject,
  type StoreTarget,
  type Written,
} from '../../src/store/store.js';
import { withContentType } from '../../src/content-type.js';
import type { ObjectSettings } from '../../src/config.js';
import { headersOfObject, requestHeaders } from '../../src/object-headers.js';
import type { ResolvedSettings } from '../../src/settings.js';
import { DEFAULT_STATE_NAME, isStateKey } from '../../src/state/location.js';

export interface StoredObject {
  body: Buffer;
  etag: string;
  metadata: Record<string, string>;
  contentType?: string;
  cacheControl?: string;
  /** The settings headers it was written with (object-headers.ts), ACLs included. */
  headers?: Record<string, string>;
  /** Milliseconds, a whole second (as S3 lists them): each write has a second of its own. */
  lastModified?: number;
}

export type FailureRule = (operation: string, key: string) => StoreError | undefined;

export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads = new Map<
    string,
    {
      key: string;
      parts: Map<number, Buffer>;
      input: { settings: ResolvedSettings; metadata: Record<string, string> };
    }
  >();
  readonly calls: { operation: string; key: string }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** The same, for object requests only (every operation but the listing's). */
  objectsInFlight = 0;
  maxObjectsInFlight = 0;
  failures: FailureRule[] = [];
  /** Milliseconds each request takes (lets concurrency build up). */
  latencyMs = 0;
  private nextUpload = 1;
  /** The store's clock, in milliseconds (each write moves it on by a second). */
  clock = 1_000_000_000;
  /**
   * Set to play S3 with SSE-KMS: an object written encrypted with aws:kms gets an ETag that is
   * not the MD5 of its bytes (a new one at every write, a copy onto itself included).
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html (ETag)
   */
  kmsEtags = false;

  constructor(
    readonly target: StoreTarget = {
      bucket: 'mem',
      prefix: '',
      region: undefined,
      endpoint: undefined,
    },
  ) {}

  private async op<T>(operation: string, key: string, fn: () => T): Promise<T> {
    this.calls.push({ operation, key });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const object = operation !== 'ListObjectsV2';
    if (object) this.maxObjectsInFlight = Math.max(this.maxObjectsInFlight, ++this.objectsInFlight);
    try {
      if (this.latencyMs) await delay(this.latencyMs);
      for (const rule of this.failures) {
        const error = rule(operation, key);
        if (error) throw error;
      }
      return fn();
    } finally {
      this.inFlight--;
      if (object) this.objectsInFlight--;
    }
  }

  count(operation: string): number {
    return this.calls.filter((c) => c.operation === operation).length;
  }

  /** Set to play a store that ignores `start-after` (lists from the start again). */
  ignoresStartAfter = false;
  /** Set to hand every listing page on twice: keys repeated, as such a store does. */
  repeatsPages = false;
  /** Keys per listing page (S3: 1,000). */
  pageSize = 1000;
  /** The `start-after` of every listing begun (undefined: from the first key). */
  listStarts: (string | undefined)[] = [];

  async *list(
    prefix: string,
    _signal?: AbortSignal,
    startAfter?: string,
  ): AsyncIterable<RemoteObject[]> {
    this.listStarts.push(startAfter);
    const after = this.ignoresStartAfter ? undefined : startAfter;
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || k > after))
      .sort();
    for (let i = 0; i < keys.length; i += this.pageSize) {
      const page = await this.op('ListObjectsV2', prefix, () =>
        keys.slice(i, i + this.pageSize).map((key) => {
          const o = this.objects.get(key)!;
          return { key, size: o.body.length, etag: o.etag, lastModified: o.lastModified ?? 0 };
        }),
      );
      yield page;
      if (this.repeatsPages) yield page.map((o) => ({ ...o }));
    }
  }

  head(key: string): Promise<HeadResult | undefined> {
    return this.op('HeadObject', key, () => {
      const o = this.objects.get(key);
      if (!o) return undefined;
      const response: Record<string, string> = { ...o.headers };
      for (const [name, value] of Object.entries(o.metadata))
        response[`x-amz-meta-${name}`] = value;
      return {
        size: o.body.length,
        etag: o.etag,
        lastModified: o.lastModified ?? 0,
        metadata: o.metadata,
        headers: headersOfObject(response),
      };
    });
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.op('GetObject', key, () => this.objects.get(key)?.body);
  }

  copyInPlace(input: CopyInput): Promise<Written> {
    return this.op('CopyObject', input.key, () => {
      const o = this.objects.get(input.key);
      if (!o || o.etag !== input.etag)
        throw new StoreError(o ? 'PreconditionFailed' : 'NoSuchKey', '', {
          retryable: false,
          fatal: false,
          operation: 'CopyObject',
          key: input.key,
        });
      const copy = this.written(o.body, o.etag, input);
      this.objects.set(input.key, copy);
      return { etag: copy.etag, lastModified: copy.lastModified ?? 0 };
    });
  }

  /** An object as a write leaves it: these bytes and settings, and the clock's next second. */
  private written(
    body: Buffer,
    etag: string,
    input: { settings: ResolvedSettings; metadata: Record<string, string> },
  ): StoredObject {
    const headers = requestHeaders(input.settings, {});
    const lastModified = (this.clock += 1000);
    const kms = this.kmsEtags && input.settings.serverSideEncryption?.startsWith('aws:kms');
    return {
      body,
      etag: kms ? createHash('md5').update(`kms ${lastModified} ${etag}`).digest('hex') : etag,
      metadata: input.metadata,
      contentType: input.settings.contentType,
      ...(input.settings.cacheControl ? { cacheControl: input.settings.cacheControl } : {}),
      headers,
      lastModified,
    };
  }

  /**
   * Puts an object as a deploy with these settings (none: no rule) leaves it — MD5 ETag,
   * Content-Type from its name, the clock's next second — without counting a request.
   */
  seed(key: string, body: string | Buffer, settings: ObjectSettings = {}): StoredObject {
    const bytes = Buffer.from(body);
    const etag = createHash('md5').update(bytes).digest('hex');
    const resolved = withContentType(settings, key);
    const object = this.written(bytes, etag, {
      settings: resolved,
      metadata: resolved.metadata ?? {},
    });
    this.objects.set(key, object);
    return object;
  }

  /**
   * Someone else's CopyObject REPLACE onto the object (no request counted): same bytes and
   * ETag, these settings, a new LastModified.
   */
  replaceSettingsOutOfBand(key: string, settings: ObjectSettings): StoredObject {
    const o = this.objects.get(key);
    if (!o) throw new Error(`replaceSettingsOutOfBand: no object ${key}`);
    const resolved = withContentType(settings, key);
    const copy = this.written(o.body, o.etag, {
      settings: resolved,
      metadata: resolved.metadata ?? {},
    });
    this.objects.set(key, copy);
    return copy;
  }

  put(input: PutInput): Promise<void> {
    return this.op('PutObject', input.key, () => {
      const md5 = createHash('md5').update(input.body).digest();
      if (md5.toString('base64') !== input.contentMd5)
        throw new StoreError('BadDigest', '', {
          retryable: true,
          fatal: false,
          operation: 'PutObject',
          key: input.key,
        });
      this.objects.set(
        input.key,
        this.written(Buffer.from(input.body), md5.toString('hex'), input),
      );
    });
  }

  createMultipart(input: Omit<PutInput, 'body' | 'contentMd5'>): Promise<string> {
    return this.op('CreateMultipartUpload', input.key, () => {
      const id = `upload-${this.nextUpload++}`;
      this.uploads.set(id, { key: input.key, parts: new Map(), input });
      return id;
    });
  }

  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Buffer,
    contentMd5: string,
  ): Promise<CompletedPart> {
    return this.op('UploadPart', key, () => {
      const upload = this.uploads.get(uploadId);
      if (!upload)
        throw new StoreError('NoSuchUpload', '', {
          retryable: false,
          fatal: false,
          operation: 'UploadPart',
          key,
        });
      const md5 = createHash('md5').update(body).digest();
      if (md5.toString('base64') !== contentMd5)
        throw new StoreError('BadDigest', '', {
          retryable: true,
          fatal: false,
          operation: 'UploadPart',
          key,
        });
      upload.parts.set(partNumber, Buffer.from(body));
      return { partNumber, etag: md5.toString('hex') };
    });
  }

  completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    return this.op('CompleteMultipartUpload', key, () => {
      const upload = this.uploads.get(uploadId);
      if (!upload)
        throw new StoreError('NoSuchUpload', '', {
          retryable: false,
          fatal: false,
          operation: 'CompleteMultipartUpload',
          key,
        });
      const bodies = parts.map((p) => upload.parts.get(p.partNumber)!);
      const digests = bodies.map((b) => createHash('md5').update(b).digest());
      this.objects.set(
        key,
        this.written(Buffer.concat(bodies), multipartEtag(digests), upload.input),
      );
      this.uploads.delete(uploadId);
    });
  }

  abortMultipart(key: string, uploadId: string): Promise<void> {
    return this.op('AbortMultipartUpload', key, () => void this.uploads.delete(uploadId));
  }

  deleteMany(keys: string[]): Promise<DeleteResult> {
    return this.op('DeleteObjects', keys[0] ?? '', () => {
      keys.forEach((k) => this.objects.delete(k));
      return { deleted: keys, errors: [] };
    });
  }
}

/** Fails `operation` on keys matching `test`, `times` times (Infinity = always). */
export function failOn(
  operation: string,
  test: (key: string) => boolean,
  code: string,
  options: { retryable?: boolean; fatal?: boolean; times?: number } = {},
): FailureRule {
  let left = options.times ?? Infinity;
  return (op, key) => {
    if (op !== operation || !test(key) || left <= 0) return undefined;
    left--;
    return new StoreError(code, '', {
      retryable: options.retryable ?? false,
      fatal: options.fatal ?? false,
      operation: op,
      key,
    });
  };
}

/** Requests that change the store. */
export const WRITE_OPERATIONS: readonly string[] = [
  'PutObject',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'CopyObject',
  'DeleteObjects',
];

/**
 * Whether `key` is the deploy state at its default place under any prefix
 * (`<prefix>.s3ship/state.json.gz`) or a shard's part of it: s3ship's own object, not the site's.
 */
export function isStateObject(key: string): boolean {
  const at = key.lastIndexOf(DEFAULT_STATE_NAME);
  if (at < 0) return false;
  const location = { bucket: 'b', key: key.slice(0, at) + DEFAULT_STATE_NAME };
  return isStateKey(location, 'b', key);
}

/** The keys the store holds, the deploy state's own left out, sorted. */
export function siteKeys(store: MemoryStore): string[] {
  return [...store.objects.keys()].filter((k) => !isStateObject(k)).sort();
}

/** Every write request from call `since` on (the state's included). */
export function writes(store: MemoryStore, since = 0): { operation: string; key: string }[] {
  return store.calls.slice(since).filter((c) => WRITE_OPERATIONS.includes(c.operation));
}

/** Write requests from call `since` on to site keys (the deploy state's own left out). */
export function fileWrites(store: MemoryStore, since = 0): { operation: string; key: string }[] {
  return writes(store, since).filter((c) => !isStateObject(c.key));
}

/** The keys of the PutObject requests to site keys, in order. */
export function filePuts(store: MemoryStore, since = 0): string[] {
  return fileWrites(store, since)
    .filter((c) => c.operation === 'PutObject')
    .map((c) => c.key);
}
