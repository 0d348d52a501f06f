import { describe, expect, it } from '@jest/globals';
import {
  bodyBytesByOperation,
  objectBytesSent,
  s3Operation,
  type S3Operation,
} from '../support/s3-operations.js';

const copy = { 'x-amz-copy-source': 'b/k' };

describe('s3Operation (path-style requests as the fault proxy sees them)', () => {
  it.each<[string, string, Record<string, string>, S3Operation]>([
    ['PUT', '/b/k', {}, 'PutObject'],
    ['PUT', '/b/k?x-id=PutObject', {}, 'PutObject'],
    ['PUT', '/b/dir/a%20b.txt', {}, 'PutObject'],
    ['PUT', '/b/k', copy, 'CopyObject'],
    ['PUT', '/b/k?x-id=CopyObject', copy, 'CopyObject'],
    ['PUT', '/b/k?partNumber=2&uploadId=u', {}, 'UploadPart'],
    ['PUT', '/b/k?partNumber=2&uploadId=u', copy, 'UploadPartCopy'],
    ['PUT', '/b/k?acl', {}, 'PutObjectAcl'],
    ['PUT', '/b/k?tagging', {}, 'other'],
    ['POST', '/b/k?uploads', {}, 'CreateMultipartUpload'],
    ['POST', '/b/k?uploads=&x-id=CreateMultipartUpload', {}, 'CreateMultipartUpload'],
    ['POST', '/b/k?uploadId=u', {}, 'CompleteMultipartUpload'],
    ['DELETE', '/b/k?uploadId=u', {}, 'AbortMultipartUpload'],
    ['DELETE', '/b/k', {}, 'DeleteObject'],
    ['GET', '/b/k', {}, 'GetObject'],
    ['GET', '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=s', {}, 'GetObject'],
    ['GET', '/b/k?uploadId=u', {}, 'ListParts'],
    ['GET', '/b/k?acl', {}, 'GetObjectAcl'],
    ['HEAD', '/b/k', {}, 'HeadObject'],
    ['POST', '/b?delete', {}, 'DeleteObjects'],
    ['POST', '/b', {}, 'PostObject'],
    ['GET', '/b?list-type=2&prefix=site%2F&continuation-token=t', {}, 'ListObjectsV2'],
    ['GET', '/b/?list-type=2', {}, 'ListObjectsV2'],
    ['GET', '/b?prefix=p&marker=m', {}, 'ListObjects'],
    ['GET', '/b?uploads', {}, 'ListMultipartUploads'],
    ['GET', '/b?location', {}, 'other'],
    ['HEAD', '/b', {}, 'HeadBucket'],
    ['PUT', '/b', {}, 'CreateBucket'],
    ['DELETE', '/b', {}, 'DeleteBucket'],
    ['GET', '/', {}, 'ListBuckets'],
    ['POST', '/', {}, 'other'],
  ])('%s %s %j is %s', (method, target, headers, operation) => {
    expect(s3Operation(method, target, headers)).toBe(operation);
  });
});

describe('body bytes per operation', () => {
  const requests = [
    { operation: 'PutObject' as const, bodyBytes: 10 },
    { operation: 'UploadPart' as const, bodyBytes: 5 },
    { operation: 'CopyObject' as const, bodyBytes: 0 },
    { operation: 'CompleteMultipartUpload' as const, bodyBytes: 120 },
    { operation: 'PutObject' as const, bodyBytes: 7 },
  ];

  it('sums requests and bytes per operation, and only operations seen', () => {
    expect(bodyBytesByOperation(requests)).toEqual({
      PutObject: { requests: 2, bodyBytes: 17 },
      UploadPart: { requests: 1, bodyBytes: 5 },
      CopyObject: { requests: 1, bodyBytes: 0 },
      CompleteMultipartUpload: { requests: 1, bodyBytes: 120 },
    });
  });

  it('counts object data only from PutObject, UploadPart and PostObject', () => {
    expect(objectBytesSent(requests)).toBe(22);
    expect(objectBytesSent([])).toBe(0);
  });
});
