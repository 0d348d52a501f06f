/**
 * The SDK S3 client doctor probes with, plus what the probes need to see that the SDK hides:
 * the Authorization header it signed (to state the algorithm and credential scope), and the
 * `Date` and `x-amz-bucket-region` headers of every answer, errors included.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer } from '@smithy/types';
import { createS3Client } from '../store/sdk-client.js';
import type { S3StoreOptions } from '../store/s3-store.js';

export interface Observed {
  /** `AWS4-HMAC-SHA256` (or whatever the first signed request used). */
  algorithm: string | undefined;
  /** `<date>/<region>/<service>/aws4_request` of the first signed request. */
  scope: string | undefined;
  /** The first response's Date header and when it arrived (by the signing clock). */
  firstDate: { serverMs: number; localMs: number } | undefined;
  /** The last x-amz-bucket-region header seen. */
  bucketRegion: string | undefined;
}

export interface ProbeClient {
  client: S3Client;
  observed: Observed;
}

interface Headers {
  headers?: Record<string, string | undefined>;
}

export function probeClient(options: S3StoreOptions & { clockOffsetMs: number }): ProbeClient {
  const client = createS3Client(options);
  const observed: Observed = {
    algorithm: undefined,
    scope: undefined,
    firstDate: undefined,
    bucketRegion: undefined,
  };
  const seeResponse = (response: Headers | undefined) => {
    const headers = response?.headers ?? {};
    const region = headers['x-amz-bucket-region'];
    if (region) observed.bucketRegion = region;
    const serverMs = Date.parse(headers.date ?? '');
    if (!observed.firstDate && Number.isFinite(serverMs))
      observed.firstDate = { serverMs, localMs: Date.now() + options.clockOffsetMs };
  };
  client.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<object, MetadataBearer>) =>
      async (args: FinalizeHandlerArguments<object>) => {
        const auth = (args.request as Headers).headers?.authorization;
        const m = auth && /^(\S+) Credential=[^/]+\/(\S+?),/.exec(auth);
        if (m && !observed.algorithm) [, observed.algorithm, observed.scope] = m;
        try {
          const out = await next(args);
          seeResponse(out.response as Headers);
          return out;
        } catch (error) {
          seeResponse((error as { $response?: Headers }).$response);
          throw error;
        }
      },
    {
      name: 's3shipDoctorObserver',
      relation: 'after',
      toMiddleware: 'httpSigningMiddleware',
    },
  );
  return { client, observed };
}
