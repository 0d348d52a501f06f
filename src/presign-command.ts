/**
 * `s3ship presign`: presigned GET URLs for keys under the target prefix, or (with --post) a
 * presigned POST form for browser uploads, optionally written as a minimal HTML page.
 * Keys are given relative to the prefix, as the source tree names them.
 */
import { writeFile } from 'node:fs/promises';
import type { DeployConfig } from './config.js';
import { resolveCredentials } from './credentials.js';
import { DEFAULT_CREDENTIALS } from './credentials/config.js';
import { S3shipError, type ExitCode } from './errors.js';
import { errorCodeFor } from './deploy.js';
import { explainStoreError } from './explain.js';
import { presignGet, presignPost, uploadFormHtml, type PostPolicy } from './presign.js';
import { formatDuration, MAX_PRESIGN_SECONDS, parseDuration } from './spec/duration.js';
import { formatSize, parseSize } from './spec/size.js';
import { S3Store } from './store/s3-store.js';
import { createS3Client } from './store/sdk-client.js';
import { StoreError, type StoreTarget } from './store/store.js';

export interface PresignFlags {
  keys: string[];
  post: boolean;
  expires: string | undefined;
  maxSize: string | undefined;
  contentType: string | undefined;
  html: string | undefined;
  json: boolean;
}

export interface PresignDeps {
  env: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
  err: (line: string) => void;
  clockOffsetMs: number;
}

const DEFAULT_EXPIRY = 3600;
const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;

export async function presignCommand(
  config: DeployConfig,
  flags: PresignFlags,
  deps: PresignDeps,
): Promise<ExitCode> {
  const expiresIn = expiryOf(flags.expires);
  const target: StoreTarget = {
    bucket: config.target.bucket,
    prefix: config.target.prefix,
    region: config.target.region ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION,
    endpoint: config.target.endpoint,
  };
  const credentials = await resolveCredentials({
    config: config.credentials ?? DEFAULT_CREDENTIALS,
    env: deps.env,
    target,
    warn: (message) => deps.err(`warning: ${message}`),
    identify: false,
  });
  const storeOptions = {
    target,
    pathStyle: config.target.pathStyle,
    credentials: credentials.provider,
    maxSockets: 4,
    clockOffsetMs: deps.clockOffsetMs,
  };
  const client = createS3Client(storeOptions);
  const store = new S3Store(storeOptions);
  const now = () => Date.now() + deps.clockOffsetMs;
  // A URL signed with temporary credentials dies with them, whatever its own expiry says.
  const identity = await credentials.provider();
  if (identity.expiration && identity.expiration.getTime() < now() + expiresIn * 1000)
    deps.err(
      `warning: these are temporary credentials, expiring ${identity.expiration.toISOString()}: the signatures stop working then, before the ${formatDuration(expiresIn)} asked for`,
    );
  try {
    if (flags.post) {
      const policy = postPolicyOf(flags, target, expiresIn);
      const post = await presignPost(client, target.bucket, policy);
      deps.out(JSON.stringify(post, null, 2));
      if (flags.html) {
        const title = `Upload to s3://${target.bucket}/${policy.key}`;
        await writeFile(flags.html, uploadFormHtml(post, policy, title));
        deps.err(`wrote the upload form to ${flags.html}`);
      }
      deps.err(
        `presigned POST (SigV4) for ${policy.key.endsWith('/') ? `keys under ${policy.key}` : policy.key}, up to ${formatSize(policy.maxBytes)}, valid until ${post.expiresAt}`,
      );
      return 0;
    }
    if (flags.keys.length === 0)
      throw new S3shipError(
        'USAGE',
        'presign needs at least one key, relative to the target prefix — e.g. "s3ship presign dist/app.zip" (or --post <key or prefix/>)',
      );
    // Each key is checked first: a link to a missing object (a typo, a key outside the prefix)
    // only fails later, in someone else's browser.
    const links = [];
    for (const rel of flags.keys) {
      const key = `${target.prefix}${rel.replace(/^\/+/, '')}`;
      const head = await store.head(key).catch((error: unknown) => {
        if (error instanceof StoreError)
          throw new S3shipError(errorCodeFor(error), explainStoreError(error, target), {
            cause: error,
          });
        throw error;
      });
      if (!head)
        throw new S3shipError(
          'USAGE',
          `no object s3://${target.bucket}/${key} to presign — keys are relative to the prefix "${target.prefix}"; deploy it first or check the name`,
        );
      links.push(await presignGet(client, target.bucket, key, expiresIn, now()));
    }
    if (flags.json) deps.out(JSON.stringify(links, null, 2));
    else links.forEach((l) => deps.out(l.url));
    deps.err(
      `presigned GET (SigV4) for ${links.length} key(s), valid ${formatDuration(expiresIn)} (until ${links[0]?.expiresAt ?? ''})`,
    );
    return 0;
  } finally {
    store.destroy();
    client.destroy();
  }
}

function expiryOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_EXPIRY;
  const seconds = parseDuration(value);
  if (!Number.isFinite(seconds) || seconds < 1)
    throw new S3shipError(
      'USAGE',
      `--expires expects a duration such as 3600, 90m, 12h or 7d, got "${value}"`,
    );
  if (seconds > MAX_PRESIGN_SECONDS)
    throw new S3shipError(
      'USAGE',
      `--expires ${value} is longer than SigV4 allows (7d) — use 7d or less`,
    );
  return seconds;
}

function postPolicyOf(flags: PresignFlags, target: StoreTarget, expiresIn: number): PostPolicy {
  if (flags.keys.length !== 1)
    throw new S3shipError(
      'USAGE',
      `presign --post takes one key, or one prefix ending in "/", relative to the target prefix; got ${flags.keys.length}`,
    );
  const maxBytes = flags.maxSize === undefined ? DEFAULT_MAX_SIZE : parseSize(flags.maxSize);
  if (!Number.isFinite(maxBytes) || maxBytes < 1)
    throw new S3shipError(
      'USAGE',
      `--max-size expects a size such as 10MiB or 1048576, got "${flags.maxSize ?? ''}"`,
    );
  const rel = (flags.keys[0] ?? '').replace(/^\/+/, '');
  if (rel === '')
    throw new S3shipError(
      'USAGE',
      'presign --post needs a key (e.g. uploads/report.pdf) or a prefix ending in "/" (e.g. uploads/)',
    );
  return {
    key: `${target.prefix}${rel}`,
    minBytes: 0,
    maxBytes,
    contentType: flags.contentType,
    expiresIn,
  };
}
