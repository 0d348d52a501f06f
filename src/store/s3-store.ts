/**
 * The ObjectStore on Amazon S3 or an S3-compatible store, over the lean request path
 * (s3-http.ts: the SDK's own SigV4 signer on a keep-alive agent, no SDK client). Requests are
 * not retried here: the executor retries, visibly. Errors arrive classified as StoreError.
 * (src/store/sdk-client.ts builds a full SDK S3Client for commands that want one.)
 */
import { createHash } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { XMLBuilder } from 'fast-xml-parser';
import { headersOfObject, requestHeaders } from '../object-headers.js';
import { encodeKey, S3Http } from './s3-http.js';
import { ownedString, readXml } from './s3-xml.js';
import {
  StoreError,
  type CompletedPart,
  type CopyInput,
  type DeleteResult,
  type HeadResult,
  type ObjectStore,
  type OpenUpload,
  type PutInput,
  type RemoteObject,
  type StoreTarget,
  type Written,
} from './store.js';

export interface S3StoreOptions {
  target: StoreTarget;
  pathStyle: boolean;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Sockets per host; sized to the request concurrency so no request waits for a socket. */
  maxSockets: number;
  /** Added to this machine's clock when signing (tests inject a skewed clock with it). */
  clockOffsetMs?: number;
  /** Milliseconds a request may make no progress before it fails with ETIMEDOUT. */
  idleTimeoutMs?: number;
  /** Keys per listing page (`max-keys`); the store's own default (1,000) when unset. */
  listPageSize?: number;
  /**
   * Largest object copied with one CopyObject, and the part size above it (tests make it small
   * to copy in parts without 5 GiB objects).
   */
  copyLimit?: number;
}

/** CopyObject copies objects of up to 5 GiB; UploadPartCopy parts are at most 5 GiB too. */
const COPY_LIMIT = 5 * 1024 * 1024 * 1024;

/** Request bodies (CompleteMultipartUpload, DeleteObjects): the library escapes keys. */
const xmlOut = new XMLBuilder({ ignoreAttributes: true });

export class S3Store implements ObjectStore {
  readonly target: StoreTarget;
  private readonly http: S3Http;
  private readonly listPageSize: number | undefined;
  private readonly copyLimit: number;

  constructor(options: S3StoreOptions) {
    this.target = options.target;
    this.listPageSize = options.listPageSize;
    this.copyLimit = options.copyLimit ?? COPY_LIMIT;
    this.http = new S3Http(options);
  }

  /**
   * ListObjectsV2 pages through the lean path; each page is handed on as it arrives, and the
   * next one is asked for before this one is handed on. The store then works on page n + 1
   * while the caller compares page n: asked for only when the caller came back, page 2 of a
   * 2,000-file deploy started 300+ ms after page 1 arrived (the caller was hashing page 1's
   * files), for a request the gateway answers in ~40 ms. One page ahead at most, so the
   * caller's backpressure still holds.
   */
  async *list(
    prefix: string,
    signal?: AbortSignal,
    startAfter?: string,
  ): AsyncIterable<RemoteObject[]> {
    // Stops the page read ahead when the caller stops early (an error, or it found enough).
    const unread = new AbortController();
    const pageSignal = signal ? AbortSignal.any([signal, unread.signal]) : unread.signal;
    const fetchPage = async (token: string | undefined): Promise<ListPage> => {
      const query: Record<string, string> = { 'list-type': '2' };
      if (prefix) query.prefix = prefix;
      if (this.listPageSize) query['max-keys'] = String(this.listPageSize);
      if (token) query['continuation-token'] = token;
      else if (startAfter !== undefined) query['start-after'] = startAfter;
      const response = await this.http.send({
        operation: 'ListObjectsV2',
        method: 'GET',
        query,
        signal: pageSignal,
      });
      return parseListPage(response.body);
    };
    let next: Promise<ListPage> | undefined = fetchPage(undefined);
    try {
      while (next) {
        const page: ListPage = await next;
        next = page.next ? fetchPage(page.next) : undefined;
        // Awaited on the next turn; a caller that stops first never awaits it.
        next?.catch(() => undefined);
        yield page.objects;
      }
    } finally {
      if (next) unread.abort(new Error('listing stopped early: the page read ahead is not needed'));
    }
  }

  async head(
    key: string,
    options: { partNumber?: number; signal?: AbortSignal } = {},
  ): Promise<HeadResult | undefined> {
    try {
      const response = await this.http.send({
        operation: 'HeadObject',
        method: 'HEAD',
        key,
        ...(options.partNumber !== undefined
          ? { query: { partNumber: String(options.partNumber) } }
          : {}),
        signal: options.signal,
      });
      const h = response.headers;
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(h)) {
        if (name.startsWith('x-amz-meta-') && typeof value === 'string')
          metadata[name.slice(11)] = value;
      }
      const parts = Number(h['x-amz-mp-parts-count']);
      return {
        size: Number(h['content-length'] ?? 0),
        etag: stripQuotes(String(h.etag ?? '')),
        lastModified: epochMillis(h['last-modified']),
        metadata,
        headers: headersOfObject(h),
        ...(Number.isFinite(parts) && parts > 0 ? { partsCount: parts } : {}),
      };
    } catch (error) {
      return noSuchObject(error);
    }
  }

  async get(key: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    try {
      const response = await this.http.send({ operation: 'GetObject', method: 'GET', key, signal });
      return response.body;
    } catch (error) {
      return noSuchObject(error);
    }
  }

  /**
   * CopyObject onto itself with the new headers (`x-amz-metadata-directive: REPLACE`): the
   * settings change, the bytes stay on the store. REPLACE replaces everything (an ACL, storage
   * class or header not sent is gone), so every setting of the rules is sent. Only if the
   * object still has the ETag the plan saw, so that bytes another writer put there since are
   * never stamped with this file's MD5: S3 reads `x-amz-copy-source-if-match`; Ceph RGW 16
   * ignores it and reads `x-amz-copy-if-match` (https://tracker.ceph.com/issues/40808), so
   * both are sent. CopyObject copies at most 5 GiB; a larger object is copied in parts
   * (UploadPartCopy), as S3 requires:
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
   */
  async copyInPlace(input: CopyInput, signal?: AbortSignal): Promise<Written> {
    if (input.size > this.copyLimit) return this.copyInParts(input, signal);
    const response = await this.http.send({
      operation: 'CopyObject',
      method: 'PUT',
      key: input.key,
      headers: {
        ...requestHeaders(input.settings, input.metadata),
        'x-amz-copy-source': this.copySource(input.key),
        ...ifMatch(input.etag),
        'x-amz-metadata-directive': 'REPLACE',
      },
      signal,
    });
    // S3 can answer 200 and still fail: the error is then in the body.
    this.http.throwIfErrorBody('CopyObject', input.key, response);
    const result = readXml(response.body).fields;
    return {
      etag: stripQuotes(result.ETag ?? ''),
      lastModified: epochMillis(result.LastModified),
    };
  }

  private async copyInParts(input: CopyInput, signal?: AbortSignal): Promise<Written> {
    const uploadId = await this.createMultipart(
      { key: input.key, settings: input.settings, metadata: input.metadata },
      signal,
    );
    try {
      const parts: CompletedPart[] = [];
      const partSize = this.copyLimit;
      for (let start = 0, n = 1; start < input.size; start += partSize, n++) {
        const end = Math.min(start + partSize, input.size) - 1;
        const response = await this.http.send({
          operation: 'UploadPartCopy',
          method: 'PUT',
          key: input.key,
          query: { partNumber: String(n), uploadId },
          headers: {
            'x-amz-copy-source': this.copySource(input.key),
            // (Ceph RGW 16 ignores both names on UploadPartCopy.)
            ...ifMatch(input.etag),
            'x-amz-copy-source-range': `bytes=${start}-${end}`,
          },
          signal,
        });
        this.http.throwIfErrorBody('UploadPartCopy', input.key, response);
        parts.push({ partNumber: n, etag: readXml(response.body).fields.ETag ?? '' });
      }
      await this.completeMultipart(input.key, uploadId, parts, signal);
    } catch (error) {
      await this.abortMultipart(input.key, uploadId).catch(() => undefined);
      throw error;
    }
    // CompleteMultipartUpload names no LastModified (and Ceph RGW 16 no ETag): the executor
    // reads both from the object, as after any upload.
    return { etag: '', lastModified: -1 };
  }

  /** `x-amz-copy-source`: the bucket and the key, each escaped (the key's slashes kept). */
  private copySource(key: string): string {
    return `/${encodeURIComponent(this.target.bucket)}/${encodeKey(key)}`;
  }

  async put(input: PutInput, signal?: AbortSignal): Promise<void> {
    await this.http.send({
      operation: 'PutObject',
      method: 'PUT',
      key: input.key,
      headers: {
        ...requestHeaders(input.settings, input.metadata),
        'content-md5': input.contentMd5,
      },
      body: input.body,
      signal,
    });
  }

  async createMultipart(
    input: Omit<PutInput, 'body' | 'contentMd5'>,
    signal?: AbortSignal,
  ): Promise<string> {
    const response = await this.http.send({
      operation: 'CreateMultipartUpload',
      method: 'POST',
      key: input.key,
      query: { uploads: '' },
      headers: requestHeaders(input.settings, input.metadata),
      signal,
    });
    const uploadId = readXml(response.body).fields.UploadId;
    if (!uploadId) throw new Error(`CreateMultipartUpload of ${input.key} returned no UploadId`);
    return uploadId;
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Buffer,
    contentMd5: string,
    signal?: AbortSignal,
  ): Promise<CompletedPart> {
    const response = await this.http.send({
      operation: 'UploadPart',
      method: 'PUT',
      key,
      query: { partNumber: String(partNumber), uploadId },
      headers: { 'content-md5': contentMd5 },
      body,
      signal,
    });
    const etag = response.headers.etag;
    return { partNumber, etag: typeof etag === 'string' ? etag : '' };
  }

  async completeMultipart(
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    signal?: AbortSignal,
  ): Promise<void> {
    const body = Buffer.from(
      xmlOut.build({
        CompleteMultipartUpload: {
          Part: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
        },
      }),
    );
    // Ceph RGW 16 answers with an empty <ETag> here; HeadObject has the right `…-N` value.
    const response = await this.http.send({
      operation: 'CompleteMultipartUpload',
      method: 'POST',
      key,
      query: { uploadId },
      headers: { 'content-type': 'application/xml' },
      body,
      signal,
    });
    // S3 can answer 200 and still fail: the error is then in the body.
    this.http.throwIfErrorBody('CompleteMultipartUpload', key, response);
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.http.send({
      operation: 'AbortMultipartUpload',
      method: 'DELETE',
      key,
      query: { uploadId },
    });
  }

  async listUploads(key: string, signal?: AbortSignal): Promise<OpenUpload[]> {
    const response = await this.http.send({
      operation: 'ListMultipartUploads',
      method: 'GET',
      query: { uploads: '', prefix: key },
      signal,
    });
    const uploads = readXml(response.body, ['Upload']).records.Upload ?? [];
    // `prefix` also matches longer keys; only this key's uploads are wanted.
    return uploads.flatMap((u) =>
      u.Key === key && u.UploadId
        ? [{ uploadId: u.UploadId, initiated: u.Initiated ? new Date(u.Initiated) : undefined }]
        : [],
    );
  }

  async deleteMany(keys: string[], signal?: AbortSignal): Promise<DeleteResult> {
    const body = Buffer.from(
      xmlOut.build({ Delete: { Quiet: false, Object: keys.map((Key) => ({ Key })) } }),
    );
    // DeleteObjects requires an integrity header: Content-MD5 is what every store supports.
    const response = await this.http.send({
      operation: 'DeleteObjects',
      method: 'POST',
      query: { delete: '' },
      headers: {
        'content-type': 'application/xml',
        'content-md5': createHash('md5').update(body).digest('base64'),
      },
      body,
      signal,
    });
    const result = readXml(response.body, ['Deleted', 'Error']).records;
    return {
      deleted: (result.Deleted ?? []).flatMap((d) => (d.Key === undefined ? [] : [d.Key])),
      errors: (result.Error ?? []).map((e) => ({
        key: e.Key ?? '',
        code: e.Code ?? 'UnknownError',
        message: e.Message ?? '',
      })),
    };
  }

  destroy(): void {
    this.http.destroy();
  }
}

/** A read of an object that is not there answers undefined (HEAD says NotFound, GET NoSuchKey). */
function noSuchObject(error: unknown): undefined {
  if (error instanceof StoreError && (error.code === 'NotFound' || error.code === 'NoSuchKey'))
    return undefined;
  throw error;
}

/** A copy's precondition on the source's ETag, by S3's name and by Ceph RGW 16's. */
function ifMatch(etag: string): Record<string, string> {
  return { 'x-amz-copy-source-if-match': `"${etag}"`, 'x-amz-copy-if-match': `"${etag}"` };
}

/**
 * A time the store gave, in milliseconds since the epoch (-1 when it gave none): ListObjectsV2's
 * and CopyObjectResult's ISO 8601 `LastModified` (Ceph RGW 16 gives milliseconds, S3 whole
 * seconds), or an HTTP date (`Last-Modified` of HeadObject: whole seconds, truncated).
 */
function epochMillis(time: string | undefined): number {
  const ms = time === undefined ? NaN : Date.parse(time);
  return Number.isFinite(ms) ? ms : -1;
}

/** The ETag without its quotes, as a string of its own (a view would keep the quoted one). */
function stripQuotes(etag: string): string {
  return ownedString(etag.replace(/^"|"$/g, ''));
}

interface ListPage {
  objects: RemoteObject[];
  next: string | undefined;
}

function parseListPage(body: Buffer): ListPage {
  const answer = readXml(body, ['Contents']);
  // Anything else (an error document behind a 200, a proxy's page) must not read as "empty".
  if (answer.root !== 'ListBucketResult')
    throw new Error(
      `ListObjectsV2 answered with <${answer.root || 'no XML'}> instead of <ListBucketResult>`,
    );
  const objects = (answer.records.Contents ?? []).flatMap((o) =>
    o.Key === undefined
      ? []
      : // Key and ETag outlive the page: strings of their own (ownedString). A page's other
        // leaves (dates, storage classes) are not copied (a profile put copying every leaf at
        // ~13 ms of a 2,000-file no-change deploy; an A/B could not tell it from noise).
        [
          {
            key: ownedString(o.Key),
            size: Number(o.Size ?? 0),
            etag: stripQuotes(o.ETag ?? ''),
            lastModified: epochMillis(o.LastModified),
          },
        ],
  );
  const truncated = answer.fields.IsTruncated === 'true';
  return { objects, next: truncated ? answer.fields.NextContinuationToken : undefined };
}
