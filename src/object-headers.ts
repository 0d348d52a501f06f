/**
 * An object's settings as the store holds them: the request headers a rule's settings become
 * (PutObject, CreateMultipartUpload and CopyObject send the same ones), and how to tell whether
 * the object a store answers with has them.
 *
 * A settings set is a flat map of header name → value, lower-case names, with user metadata as
 * `x-amz-meta-*` (s3ship's own MD5 metadata left out: it describes the bytes, not the rule). The
 * deploy state records these maps, and the plan names what differs in them.
 */
import type { ResolvedSettings } from './settings.js';

export type HeaderSet = Readonly<Record<string, string>>;

/** The MD5 metadata header: describes the bytes, so it is no part of a settings set. */
const MD5_HEADER = 'x-amz-meta-s3ship-md5';

/** The headers `settings` turn into, without user metadata (see `requestHeaders`). */
function ruleHeaders(s: ResolvedSettings): Record<string, string | undefined> {
  return {
    'content-type': s.contentType,
    'cache-control': s.cacheControl,
    'content-disposition': s.contentDisposition,
    'content-language': s.contentLanguage,
    'content-encoding': s.compress,
    'x-amz-storage-class': s.storageClass,
    'x-amz-server-side-encryption': s.serverSideEncryption,
    'x-amz-server-side-encryption-aws-kms-key-id': s.sseKmsKeyId,
    'x-amz-acl': s.acl,
    'x-amz-grant-read': s.grantRead,
    'x-amz-grant-read-acp': s.grantReadAcp,
    'x-amz-grant-write-acp': s.grantWriteAcp,
    'x-amz-grant-full-control': s.grantFullControl,
    'x-amz-website-redirect-location': s.websiteRedirect,
  };
}

/** The request headers for an object with these settings and this user metadata. */
export function requestHeaders(
  settings: ResolvedSettings,
  metadata: Readonly<Record<string, string>>,
): Record<string, string> {
  const headers = ruleHeaders(settings);
  for (const [name, value] of Object.entries(metadata))
    headers[`x-amz-meta-${name.toLowerCase()}`] = value;
  return defined(headers);
}

/** What the rules say an object's settings are: its request headers, sorted, without the MD5. */
export function wantedHeaders(settings: ResolvedSettings): HeaderSet {
  const headers = requestHeaders(settings, settings.metadata ?? {});
  delete headers[MD5_HEADER];
  return sorted(headers);
}

/** One string per settings set, equal exactly when the sets are. */
export function fingerprint(headers: HeaderSet): string {
  return JSON.stringify(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Headers a HeadObject answer cannot show: ACLs are not object headers (GetObjectAcl reads them
 * as grants, which a canned ACL expands into differently per store and owner). With no record
 * of what was applied, an object whose rule sets one of these is taken to differ.
 */
const UNREADABLE = [
  'x-amz-acl',
  'x-amz-grant-read',
  'x-amz-grant-read-acp',
  'x-amz-grant-write-acp',
  'x-amz-grant-full-control',
];

/**
 * Headers compared only when the rule sets them: a bucket's default encryption applies to every
 * object the rule leaves unencrypted (S3 encrypts every new object with SSE-S3 since 2023:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html), so an
 * encrypted object is no drift from a rule that says nothing about encryption.
 */
const ONLY_WHEN_SET = [
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
];

/**
 * The storage class an object has when no header names one: S3 and Ceph RGW 16 send
 * `x-amz-storage-class` for other classes only (RGW also for STANDARD when it was sent).
 */
const STANDARD = 'STANDARD';

/** One difference between an object's settings and the rules': `value` undefined = none. */
export interface SettingChange {
  header: string;
  from: string | undefined;
  to: string | undefined;
}

/**
 * How `actual` (the settings an object was given, from the deploy state or read from the
 * object) differs from `wanted`. `readFromObject`: `actual` comes from a HeadObject answer,
 * which shows no ACL (see UNREADABLE) and encryption a bucket default may have added.
 */
export function settingChanges(
  actual: HeaderSet,
  wanted: HeaderSet,
  readFromObject: boolean,
): SettingChange[] {
  const changes: SettingChange[] = [];
  const names = new Set([...Object.keys(actual), ...Object.keys(wanted)]);
  for (const header of [...names].sort()) {
    const to = wanted[header];
    let from = actual[header];
    if (readFromObject) {
      if (UNREADABLE.includes(header)) {
        if (to !== undefined) changes.push({ header, from: 'unknown', to });
        continue;
      }
      if (ONLY_WHEN_SET.includes(header) && to === undefined) continue;
    }
    if (header === 'x-amz-storage-class') {
      if ((from ?? STANDARD) === (to ?? STANDARD)) continue;
      from ??= STANDARD;
    }
    if (from !== to) changes.push({ header, from, to });
  }
  return changes;
}

/** `cache-control max-age=60 → public, max-age=31536000, immutable; content-language (none) → en` */
export function describeChanges(changes: readonly SettingChange[]): string {
  const show = (v: string | undefined) => v ?? '(none)';
  return changes.map((c) => `${c.header} ${show(c.from)} → ${show(c.to)}`).join('; ');
}

/** The settings headers of a HeadObject answer (its response headers, names lower-case). */
export function headersOfObject(
  response: Readonly<Record<string, string | string[] | undefined>>,
): HeaderSet {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response)) {
    if (typeof value !== 'string' || name === MD5_HEADER) continue;
    if (name in READABLE || name.startsWith('x-amz-meta-')) headers[name] = value;
  }
  return sorted(headers);
}

/** The settings headers a HeadObject answer carries. */
const READABLE: Record<string, true> = Object.fromEntries(
  Object.keys(ruleHeaders({ contentType: '' }))
    .filter((h) => !UNREADABLE.includes(h))
    .map((h) => [h, true]),
);

function defined(headers: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

function sorted(headers: Record<string, string>): HeaderSet {
  return Object.fromEntries(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : 1)));
}
