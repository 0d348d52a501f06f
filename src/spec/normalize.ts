/**
 * From a validated spec (snake_case, defaults filled) to the DeployConfig the engine runs on.
 * Nothing here can fail: every check lives in the schema, so all problems surface together.
 */
import path from 'node:path';
import { DEFAULTS, type DeployConfig, type ObjectSettings, type Rule } from '../config.js';
import { parseDeleteCap, type DeleteCap } from '../delete-cap.js';
import type { Spec } from './schema.js';
import { parseDuration } from './duration.js';
import { parseSize } from './size.js';
import { normalizeCredentials } from '../credentials/spec.js';

/** Where relative paths resolve and which file the spec came from. */
export interface NormalizeContext {
  /** Absolute spec file path, when one was read. */
  specFile: string | undefined;
  /** Directory a relative `source` resolves against (spec file's dir, or cwd for --source). */
  sourceBase: string;
  /** Dotted paths of values that came from `${…}` (a secret not among them was literal). */
  substituted?: ReadonlySet<string>;
}

/** Builds the DeployConfig; `spec` must have passed `specSchema`. */
export function normalizeSpec(spec: Spec, ctx: NormalizeContext): DeployConfig {
  const { target } = spec;
  return {
    specFile: ctx.specFile,
    target: {
      bucket: target.bucket,
      prefix: normalizePrefix(target.prefix),
      region: target.region,
      endpoint: target.endpoint,
      pathStyle: target.path_style ?? target.endpoint !== undefined,
    },
    source: path.resolve(ctx.sourceBase, spec.source),
    include: [...spec.include],
    exclude: [...DEFAULTS.exclude, ...spec.exclude],
    keep: [...spec.keep],
    followOutsideSymlinks: spec.follow_outside_symlinks,
    rules: spec.rules.map(normalizeRule),
    entryDocuments: [...spec.entry_documents],
    allowEmptySource: spec.allow_empty_source,
    delete: { enabled: spec.delete, max: deleteCapOf(spec.max_delete) },
    immutableChanges: spec.immutable_changes,
    concurrency: spec.concurrency,
    requestTimeoutMs: spec.request_timeout * 1000,
    multipart: {
      threshold: parseSize(spec.multipart.threshold),
      partSize: parseSize(spec.multipart.part_size),
    },
    ...(spec.presign
      ? {
          presign: {
            match:
              typeof spec.presign.match === 'string'
                ? [spec.presign.match]
                : [...spec.presign.match],
            expiresInSeconds: parseDuration(spec.presign.expires),
          },
        }
      : {}),
    ...(spec.state
      ? {
          state: {
            ...(spec.state.bucket !== undefined ? { bucket: spec.state.bucket } : {}),
            ...(spec.state.key !== undefined ? { key: spec.state.key } : {}),
          },
        }
      : {}),
    ...(spec.credentials
      ? { credentials: normalizeCredentials(spec.credentials, ctx.substituted ?? new Set()) }
      : {}),
    ...(spec.cloudfront
      ? {
          cloudfront: {
            distributionId: spec.cloudfront.distribution_id,
            endpoint: spec.cloudfront.endpoint,
            maxPaths: spec.cloudfront.max_paths,
            originPath: spec.cloudfront.origin_path,
          },
        }
      : {}),
  };
}

function deleteCapOf(value: number | string): DeleteCap {
  const cap = parseDeleteCap(value);
  if (cap === undefined) throw new Error(`normalizeSpec: max_delete ${value} passed the schema`);
  return cap;
}

/** '' or 'a/b/': leading '/' dropped, one trailing '/' added. ('..' and '//' are schema errors.) */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

type SpecRule = Spec['rules'][number];

function normalizeRule(rule: SpecRule): Rule {
  const settings: ObjectSettings = {};
  // Only fields the rule sets are copied: an absent field must not override an earlier rule.
  const copy = <K extends keyof ObjectSettings>(
    key: K,
    value: ObjectSettings[K] | undefined,
  ): void => {
    if (value !== undefined) settings[key] = value;
  };
  copy('contentType', rule.content_type);
  copy('cacheControl', rule.cache_control);
  copy('contentDisposition', rule.content_disposition);
  copy('contentLanguage', rule.content_language);
  copy('compress', rule.compress);
  copy('storageClass', rule.storage_class);
  copy('serverSideEncryption', rule.server_side_encryption);
  copy('sseKmsKeyId', rule.sse_kms_key_id);
  copy('acl', rule.acl);
  copy('grantRead', rule.grant_read);
  copy('grantReadAcp', rule.grant_read_acp);
  copy('grantWriteAcp', rule.grant_write_acp);
  copy('grantFullControl', rule.grant_full_control);
  copy('websiteRedirect', rule.website_redirect);
  if (rule.metadata) {
    copy(
      'metadata',
      Object.fromEntries(Object.entries(rule.metadata).map(([k, v]) => [k.toLowerCase(), v])),
    );
  }
  return { match: typeof rule.match === 'string' ? [rule.match] : [...rule.match], ...settings };
}
