/**
 * The ObjectStore on Amazon S3 or an S3-compatible store, through the AWS SDK v3 (SigV4).
 * Requests are not retried here (maxAttempts 1): the executor retries, visibly. Errors are
 * classified into StoreError codes the rest of s3ship understands.
 */
import http from 'node:http';
import https from 'node:https';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ResolvedSettings } from '../settings.js';
import { toStoreError } from './s3-errors.js';
import { S3Http, xml } from './s3-http.js';
import type {
  CompletedPart,
  DeleteResult,
  HeadResult,
  ObjectStore,
  PutInput,
  RemoteObject,
  StoreTarget,
} from './store.js';

export interface S3StoreOptions {
  target: StoreTarget;
  pathStyle: boolean;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Sockets per host; sized to the request concurrency so no request waits for a socket. */
  maxSockets: number;
}

export function createS3Client(options: S3StoreOptions): S3Client {
  const { target } = options;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  return new S3Client({
    region: target.region ?? 'us-east-1',
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    forcePathStyle: options.pathStyle,
    credentials: options.credentials,
    maxAttempts: 1,
    // With a wrong region S3 answers 301/400 and names the right one; the SDK then re-signs.
    followRegionRedirects: true,
    // Since 2025 the SDK adds CRC32 checksums by default, streamed as aws-chunked trailers that
    // many S3-compatible stores refuse (Ceph RGW 16: 411 MissingContentLength). We send
    // Content-MD5 instead, which every store verifies, so only compute what an API requires.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      connectionTimeout: 10_000,
      requestTimeout: 120_000,
    }),
  });
}

export class S3Store implements ObjectStore {
  readonly target: StoreTarget;
  /** The SDK client, for the rarer operations (multipart control, deletes, heads). */
  private readonly client: S3Client;
  /** The lean path, for the hot operations (see s3-http.ts for why). */
  private readonly http: S3Http;

  constructor(options: S3StoreOptions, client?: S3Client) {
    this.target = options.target;
    this.client = client ?? createS3Client(options);
    this.http = new S3Http(options);
  }

  /** ListObjectsV2 pages through the lean path; each page is handed on as it arrives. */
  async *list(prefix: string, signal?: AbortSignal): AsyncIterable<RemoteObject[]> {
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2' };
      if (prefix) query.prefix = prefix;
      if (token) query['continuation-token'] = token;
      const response = await this.http.send({
        operation: 'ListObjectsV2',
        method: 'GET',
        query,
        signal,
      });
      const page = parseListPage(response.body);
      yield page.objects;
      token = page.next;
    } while (token);
  }

  async head(
    key: string,
    options: { partNumber?: number; signal?: AbortSignal } = {},
  ): Promise<HeadResult | undefined> {
    try {
      const out = await this.call('HeadObject', key, options.signal, (o) =>
        this.client.send(
          new HeadObjectCommand({
            Bucket: this.target.bucket,
            Key: key,
            PartNumber: options.partNumber,
          }),
          o,
        ),
      );
      return {
        size: out.ContentLength ?? 0,
        etag: stripQuotes(out.ETag ?? ''),
        metadata: out.Metadata ?? {},
        ...(out.PartsCount !== undefined ? { partsCount: out.PartsCount } : {}),
      };
    } catch (error) {
      if (
        (error as { code?: string }).code === 'NotFound' ||
        (error as { code?: string }).code === 'NoSuchKey'
      )
        return undefined;
      throw error;
    }
  }

  async put(input: PutInput, signal?: AbortSignal): Promise<void> {
    await this.http.send({
      operation: 'PutObject',
      method: 'PUT',
      key: input.key,
      headers: {
        ...objectHeaders(input.settings, input.metadata),
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
    const out = await this.call('CreateMultipartUpload', input.key, signal, (o) =>
      this.client.send(
        new CreateMultipartUploadCommand(
          this.objectFields(input.key, input.settings, input.metadata),
        ),
        o,
      ),
    );
    if (!out.UploadId)
      throw new Error(`CreateMultipartUpload of ${input.key} returned no UploadId`);
    return out.UploadId;
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
    // Ceph RGW 16 answers with an empty <ETag> here; HeadObject has the right `…-N` value.
    await this.call('CompleteMultipartUpload', key, signal, (o) =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.target.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
          },
        }),
        o,
      ),
    );
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.call('AbortMultipartUpload', key, undefined, (o) =>
      this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.target.bucket,
          Key: key,
          UploadId: uploadId,
        }),
        o,
      ),
    );
  }

  async deleteMany(keys: string[], signal?: AbortSignal): Promise<DeleteResult> {
    const out = await this.call('DeleteObjects', keys[0], signal, (o) =>
      this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.target.bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: false },
        }),
        o,
      ),
    );
    return {
      deleted: (out.Deleted ?? []).flatMap((d) => (d.Key === undefined ? [] : [d.Key])),
      errors: (out.Errors ?? []).map((e) => ({
        key: e.Key ?? '',
        code: e.Code ?? 'UnknownError',
        message: e.Message ?? '',
      })),
    };
  }

  destroy(): void {
    this.client.destroy();
    this.http.destroy();
  }

  private objectFields(
    key: string,
    s: ResolvedSettings,
    metadata: Record<string, string>,
  ): PutObjectCommandInput {
    return {
      Bucket: this.target.bucket,
      Key: key,
      ContentType: s.contentType,
      CacheControl: s.cacheControl,
      ContentDisposition: s.contentDisposition,
      ContentLanguage: s.contentLanguage,
      ContentEncoding: s.compress,
      Metadata: metadata,
      StorageClass: s.storageClass as PutObjectCommandInput['StorageClass'],
      ServerSideEncryption: s.serverSideEncryption,
      SSEKMSKeyId: s.sseKmsKeyId,
      ACL: s.acl as PutObjectCommandInput['ACL'],
      WebsiteRedirectLocation: s.websiteRedirect,
    };
  }

  /** Sends one request (`o` carries the abort signal) and classifies its failure. */
  private async call<T>(
    operation: string,
    key: string | undefined,
    signal: AbortSignal | undefined,
    fn: (o: { abortSignal?: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    try {
      return await fn(signal ? { abortSignal: signal } : {});
    } catch (error) {
      if (signal?.aborted) throw error;
      throw toStoreError(error, operation, key);
    }
  }
}

function stripQuotes(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** The object headers a rule's settings turn into, for PutObject on the lean path. */
function objectHeaders(
  s: ResolvedSettings,
  metadata: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string | undefined> = {
    'content-type': s.contentType,
    'cache-control': s.cacheControl,
    'content-disposition': s.contentDisposition,
    'content-language': s.contentLanguage,
    'content-encoding': s.compress,
    'x-amz-storage-class': s.storageClass,
    'x-amz-server-side-encryption': s.serverSideEncryption,
    'x-amz-server-side-encryption-aws-kms-key-id': s.sseKmsKeyId,
    'x-amz-acl': s.acl,
    'x-amz-website-redirect-location': s.websiteRedirect,
  };
  for (const [name, value] of Object.entries(metadata))
    headers[`x-amz-meta-${name.toLowerCase()}`] = value;
  return Object.fromEntries(
    Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

interface ListPage {
  objects: RemoteObject[];
  next: string | undefined;
}

function parseListPage(body: Buffer): ListPage {
  const doc = xml.parse(body.toString('utf8')) as {
    ListBucketResult?: {
      Contents?: { Key?: string; Size?: string; ETag?: string }[];
      IsTruncated?: string;
      NextContinuationToken?: string;
    };
  };
  const result = doc.ListBucketResult ?? {};
  const objects = (result.Contents ?? []).flatMap((o) =>
    o.Key === undefined
      ? []
      : [{ key: String(o.Key), size: Number(o.Size ?? 0), etag: stripQuotes(o.ETag ?? '') }],
  );
  const truncated = result.IsTruncated === 'true';
  return { objects, next: truncated ? result.NextContinuationToken : undefined };
}
