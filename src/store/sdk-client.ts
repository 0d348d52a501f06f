/**
 * A full AWS SDK v3 S3Client configured the way s3ship needs it, for commands that use SDK
 * features (presigning, doctor probes). The deploy path does not load it: see s3-http.ts.
 */
import http from 'node:http';
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3StoreOptions } from './s3-store.js';

export function createS3Client(options: S3StoreOptions): S3Client {
  const { target } = options;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  return new S3Client({
    region: target.region ?? 'us-east-1',
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    forcePathStyle: options.pathStyle,
    credentials: options.credentials,
    ...(options.clockOffsetMs ? { systemClockOffset: options.clockOffsetMs } : {}),
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
