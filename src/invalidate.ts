/**
 * CloudFront invalidation of what a deploy changed. Keys become URL paths (the distribution's
 * origin path removed), `index.html` folds into its directory (`docs/index.html` → `/docs/`,
 * the URL people visit), and past `max_paths` one `/*` replaces the list (CloudFront bills per
 * path; a wildcard counts as one).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html
 */
import { randomBytes } from 'node:crypto';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { CloudFrontSettings } from './config.js';
import { explanationOf } from './explain.js';
import { toStoreError } from './store/s3-errors.js';

/** The paths to invalidate for these changed keys (sorted, unique; `['/*']` past the limit). */
export function invalidationPaths(
  keys: readonly string[],
  settings: Pick<CloudFrontSettings, 'maxPaths' | 'originPath'>,
): string[] {
  const paths = new Set<string>();
  for (const key of keys) {
    let path = `/${key}`;
    if (settings.originPath) {
      // Keys outside the origin path are not served by this distribution.
      if (!path.startsWith(`${settings.originPath}/`)) continue;
      path = path.slice(settings.originPath.length);
    }
    if (path === '/index.html' || path.endsWith('/index.html'))
      path = path.slice(0, -'index.html'.length);
    paths.add(encodePath(path));
  }
  if (paths.size > settings.maxPaths) return ['/*'];
  return [...paths].sort();
}

/**
 * Percent-encodes what RFC 3986 does not allow in a path, segment by segment; a `*` in a key
 * is encoded too, so it never acts as a wildcard.
 */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

export interface InvalidationResult {
  id: string;
  paths: string[];
}

/** Creates the invalidation; throws an Error whose message names the cause and the fix. */
export async function createInvalidation(
  settings: CloudFrontSettings,
  paths: string[],
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
): Promise<InvalidationResult> {
  const client = new CloudFrontClient({
    // CloudFront is global: its API is signed for us-east-1 whatever the bucket's region.
    region: 'us-east-1',
    credentials,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: 3,
  });
  try {
    const out = await client.send(
      new CreateInvalidationCommand({
        DistributionId: settings.distributionId,
        InvalidationBatch: {
          // Unique per call: the same reference twice would return the first invalidation.
          CallerReference: `s3ship-${Date.now()}-${randomBytes(4).toString('hex')}`,
          Paths: { Quantity: paths.length, Items: paths },
        },
      }),
    );
    return { id: out.Invalidation?.Id ?? '', paths };
  } catch (error) {
    throw new Error(invalidationFailure(settings, paths.length, error), { cause: error });
  } finally {
    client.destroy();
  }
}

const CLOUDFRONT_CAUSES: Record<string, (s: CloudFrontSettings) => string> = {
  AccessDenied: (s) =>
    `the credentials lack cloudfront:CreateInvalidation on arn:aws:cloudfront::<account>:distribution/${s.distributionId}; fix: allow that action in the IAM policy ("s3ship doctor" prints it)`,
  NoSuchDistribution: (s) =>
    `there is no distribution ${s.distributionId} in this account; fix: correct cloudfront.distribution_id (the id, e.g. E2QWRUHAPOMQZL, not the domain name)`,
  TooManyInvalidationsInProgress: () =>
    'CloudFront limits invalidations in progress (3,000 paths, 15 with wildcards); fix: wait and deploy again, or lower cloudfront.max_paths so a /* is sent instead',
  InvalidArgument: () =>
    'CloudFront refused a path or the batch; fix: report it with the paths from the log',
};

function invalidationFailure(settings: CloudFrontSettings, count: number, error: unknown): string {
  const e = toStoreError(error, 'CreateInvalidation', undefined);
  const where = {
    bucket: '',
    prefix: '',
    region: 'us-east-1',
    endpoint: settings.endpoint ?? 'https://cloudfront.amazonaws.com',
  };
  const known = CLOUDFRONT_CAUSES[e.code]?.(settings);
  const x = known ? undefined : explanationOf(e, where);
  const why = known ?? (x ? `${x.cause}; fix: ${x.fix}` : e.message || 'no message');
  return `CloudFront invalidation of ${count} path(s) in distribution ${settings.distributionId} failed: ${e.code}${e.details.status ? ` (HTTP ${e.details.status})` : ''} — ${why}. The objects are deployed; until then the CDN may serve old copies.`;
}
