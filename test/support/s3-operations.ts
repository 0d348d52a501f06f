/**
 * Which S3 operation an HTTP request is, told from its method, target and headers alone, and
 * the request body bytes summed per operation. test/support/fault-proxy.ts records both for
 * every request it relays, so an end-to-end test can state what a deploy sent: "a settings-only
 * deploy sends none of the objects' bytes" is `objectBytesSent(proxy.requests) === 0`, while its
 * CopyObject requests (the bytes stay in the store) carry no body at all.
 *
 * Path-style requests only (`/bucket/key?query`), as s3ship sends to S3-compatible stores and
 * the tests to the gateway. Operations are named as in the S3 API reference:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
 */
import type { IncomingHttpHeaders } from 'node:http';

export type S3Operation =
  | 'PutObject'
  | 'CopyObject'
  | 'PostObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'GetObjectAcl'
  | 'PutObjectAcl'
  | 'DeleteObjects'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'HeadBucket'
  | 'CreateBucket'
  | 'DeleteBucket'
  | 'ListBuckets'
  /** Anything else: other subresources (?tagging, ?policy…), STS / IAM form posts to `/`. */
  | 'other';

/** The operations whose request body is object data (what "uploaded bytes" means). */
export const OBJECT_DATA_OPERATIONS: readonly S3Operation[] = [
  'PutObject',
  'UploadPart',
  'PostObject',
];

/** The S3 operation of a path-style request. */
export function s3Operation(
  method: string,
  target: string,
  headers: IncomingHttpHeaders,
): S3Operation {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  const slash = path.indexOf('/', 1);
  const bucket = path.slice(1, slash < 0 ? undefined : slash);
  const key = slash < 0 ? '' : path.slice(slash + 1);
  const copy = headers['x-amz-copy-source'] !== undefined;
  const verb = method.toUpperCase();
  if (bucket === '') return verb === 'GET' ? 'ListBuckets' : 'other';
  if (key !== '') return objectOperation(verb, query, copy);
  return bucketOperation(verb, query);
}

function objectOperation(verb: string, query: URLSearchParams, copy: boolean): S3Operation {
  const upload = query.has('uploadId');
  switch (verb) {
    case 'PUT':
      if (upload && query.has('partNumber')) return copy ? 'UploadPartCopy' : 'UploadPart';
      if (query.has('acl')) return 'PutObjectAcl';
      if (subresource(query)) return 'other';
      return copy ? 'CopyObject' : 'PutObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      return upload ? 'CompleteMultipartUpload' : 'other';
    case 'DELETE':
      return upload ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'GET':
      if (upload) return 'ListParts';
      if (query.has('acl')) return 'GetObjectAcl';
      return subresource(query) ? 'other' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    default:
      return 'other';
  }
}

function bucketOperation(verb: string, query: URLSearchParams): S3Operation {
  switch (verb) {
    case 'GET':
      if (query.has('uploads')) return 'ListMultipartUploads';
      if (query.get('list-type') === '2') return 'ListObjectsV2';
      return subresource(query) ? 'other' : 'ListObjects';
    case 'POST':
      if (query.has('delete')) return 'DeleteObjects';
      return subresource(query) ? 'other' : 'PostObject';
    case 'PUT':
      return subresource(query) ? 'other' : 'CreateBucket';
    case 'DELETE':
      return subresource(query) ? 'other' : 'DeleteBucket';
    case 'HEAD':
      return 'HeadBucket';
    default:
      return 'other';
  }
}

/** Query parameters that only shape a listing or a read; any other names a subresource. */
const PLAIN_PARAMS = new Set([
  'prefix',
  'delimiter',
  'marker',
  'max-keys',
  'encoding-type',
  'continuation-token',
  'start-after',
  'fetch-owner',
  'list-type',
  'versionId',
  'partNumber',
  'response-content-type',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-cache-control',
  'response-expires',
  // a presigned request carries its signature in the query
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
  'x-id',
]);

function subresource(query: URLSearchParams): boolean {
  for (const name of query.keys()) if (!PLAIN_PARAMS.has(name)) return true;
  return false;
}

/** What `bodyBytesByOperation` needs of a recorded request. */
export interface CountedRequest {
  operation: S3Operation;
  /** Request body bytes the client sent (as read by the proxy). */
  bodyBytes: number;
}

export interface OperationBytes {
  requests: number;
  bodyBytes: number;
}

/** Requests and request body bytes per operation; operations not seen are absent. */
export function bodyBytesByOperation(
  requests: readonly CountedRequest[],
): Partial<Record<S3Operation, OperationBytes>> {
  const sums: Partial<Record<S3Operation, OperationBytes>> = {};
  for (const r of requests) {
    const sum = (sums[r.operation] ??= { requests: 0, bodyBytes: 0 });
    sum.requests++;
    sum.bodyBytes += r.bodyBytes;
  }
  return sums;
}

/** Object data sent: the body bytes of PutObject, UploadPart and PostObject requests. */
export function objectBytesSent(requests: readonly CountedRequest[]): number {
  let sum = 0;
  for (const r of requests) if (OBJECT_DATA_OPERATIONS.includes(r.operation)) sum += r.bodyBytes;
  return sum;
}
