/**
 * The plan: a pure function of the local files (with digests where they were needed), the
 * remote listing and the rules. Every key gets an action and the reason for it; `s3ship plan`
 * prints it and the executor carries it out without deciding anything again.
 */
import type { Digest } from './hash.js';
import type { ObjectSettings } from './config.js';
import { deleteLimit, describeCap, type DeleteCap } from './delete-cap.js';
import { etagProof, parseEtag } from './etag.js';
import { changesImmutable, IMMUTABLE_CHANGE } from './immutable.js';
import { isUnderPrefix } from './keys.js';
import type { LocalFile } from './scan.js';
import type { HeadResult, RemoteObject } from './store/store.js';
import type { Unowned } from './unowned.js';

/** `update`: the bytes are the same, the settings are replaced in place (CopyObject). */
export type Action = 'upload' | 'update' | 'skip' | 'delete' | 'keep';

export type Reason =
  /** No object under that key. */
  | 'new'
  /** Sizes differ: changed, no hashing needed. */
  | 'size'
  /** Same size, content digest differs from the object's ETag (or stored MD5). */
  | 'changed'
  /** The object's ETag is not MD5-derived and it carries no MD5 of ours: cannot prove equal. */
  | 'unverifiable'
  /** `--force`. */
  | 'force'
  /** Same bytes, other settings (headers, metadata, ACL, storage class, encryption, redirect). */
  | 'settings'
  /** Same bytes. */
  | 'unchanged'
  /** Under the prefix but no longer in the source. */
  | 'stale'
  /** Stale, but more keys are stale than max_delete allows: nothing is deleted. */
  | 'over-max-delete'
  /** Stale, but deletes are off. */
  | 'delete-off'
  /** No local file, but the source's include/exclude would not publish one there: not ours. */
  | 'excluded'
  /** No local file, but a `keep` glob protects it (e.g. uploads next to the site). */
  | 'protected';

export interface PlanItem {
  key: string;
  action: Action;
  reason: Reason;
  /** Bytes to upload (after compression) or the remote size for deletes. */
  size: number;
  /** The local file, for uploads and skips. */
  file?: LocalFile;
  /** Headers and settings the object gets (uploads). */
  settings?: ObjectSettings;
  /** A human explanation, e.g. which part size matched. */
  detail?: string;
  /** MD5 of the upload bytes when the plan computed it; the executor checks the file still has it. */
  md5?: string;
  /** Updates: the ETag the object must still have when its settings are replaced. */
  etag?: string;
  /** Uploads over bytes that differ: the Cache-Control the old object had (deploy state). */
  previousCacheControl?: string;
  /** What to look at before this upload: new bytes under a key cached as immutable (immutable.ts). */
  warning?: string;
}

export interface Plan {
  /** Non-entry uploads, then entry documents: the order the executor runs them in. */
  assets: PlanItem[];
  entries: PlanItem[];
  deletes: PlanItem[];
  /** Skips and kept keys, for the report. */
  others: PlanItem[];
}

/** What is known about one local file's content when the plan is made. */
export interface LocalContent {
  /** What the rules say about this file. */
  settings: ObjectSettings;
  /**
   * The listed object it was compared with; when absent, the plan looks in `remote` (unless
   * `proven`: then the comparison is done and the object is not kept).
   */
  remote?: RemoteObject;
  /**
   * Size of the bytes that would be uploaded, when compression makes it differ from the file's
   * (read it with `uploadSizeOf`). Unset otherwise, so that one record can serve every file
   * with the same settings and verdict (see inspect.ts).
   */
  uploadSize?: number;
  /** Digest of those bytes, computed only when a remote object of the same size exists. */
  digest?: Digest;
  /**
   * Set when inspection already proved the bytes equal to the remote object's (its listed
   * ETag matched, so it exists with this size): how, for the plan's detail ('' when there is
   * nothing to add). No digest then, and no `remote`: at 200,000 unchanged files the listed
   * objects and their ETag strings were ~20 MB of the live heap, kept only to be compared again.
   */
  proven?: string;
  /** The MD5 s3ship stored in the object's metadata, read when the ETag did not prove equality. */
  storedMd5?: string;
  /** The object's HeadObject answer, where one was read for that MD5 (the settings check reuses it). */
  head?: HeadResult;
  /** Same bytes, other settings: what differs, and the object to update (settings-check.ts). */
  update?: { changes: string; etag: string; size: number; md5?: string };
  /** The object is no longer the one compared (rewritten or deleted meanwhile): why. */
  replaced?: string;
  /** The Cache-Control the object had, where the deploy state still describes it. */
  previousCacheControl?: string;
}

/** The bytes an upload of `file` sends: its own size, unless compression changed it. */
export function uploadSizeOf(file: LocalFile, content: LocalContent): number {
  return content.uploadSize ?? file.size;
}

export interface PlanInput {
  files: readonly LocalFile[];
  content: ReadonlyMap<string, LocalContent>;
  /**
   * Listed objects: those of files whose content does not name one, and every other one
   * (stale when no local file has its key).
   */
  remote: ReadonlyMap<string, RemoteObject>;
  prefix: string;
  delete: { enabled: boolean; max: DeleteCap };
  force: boolean;
  /**
   * Which keys this run may upload (a shard's share; none for `prune`). Unset: all. Keys it
   * does not own are left out of the plan entirely: another job decides them.
   */
  owns?: (key: string) => boolean;
  /** Why stale keys are kept although deletes are on (`--shard`: only `prune` deletes). */
  deletesElsewhere?: boolean;
  /**
   * Why a listed key with no local file is not the spec's to delete (unowned.ts), or undefined
   * when it is stale. Unset: every such key is stale.
   */
  unowned?: (key: string) => Unowned | undefined;
}

export function buildPlan(input: PlanInput): Plan {
  const plan: Plan = { assets: [], entries: [], deletes: [], others: [] };
  // Listed keys that a local file has: not stale. (Gather leaves none in `remote` for the
  // files it compared, so this set stays small where a set of every local key would not.)
  const local = new Set<string>();
  /** Objects under the prefix that a compared file took (the rest are counted in `remote`). */
  let compared = 0;
  for (const file of input.files) {
    if (input.remote.has(file.key)) local.add(file.key);
    if (input.owns && !input.owns(file.key)) continue;
    const content = input.content.get(file.key);
    if (!content) throw new Error(`buildPlan: no content entry for ${file.key}`);
    if (
      !local.has(file.key) &&
      (content.remote || content.proven !== undefined || content.replaced !== undefined)
    )
      compared++;
    const remote = content.remote ?? input.remote.get(file.key);
    const item = decideOne(file, content, remote, input.force);
    // The Cache-Control the object was stored with comes from the deploy state (settings-check.ts).
    if (changesImmutable(item, item.previousCacheControl)) item.warning = IMMUTABLE_CHANGE;
    if (item.action === 'skip') plan.others.push(item);
    else (file.entry ? plan.entries : plan.assets).push(item);
  }
  const stale: RemoteObject[] = [];
  let owned = compared;
  for (const o of input.remote.values()) {
    if (!isUnderPrefix(o.key, input.prefix)) continue;
    const unowned = local.has(o.key) ? undefined : input.unowned?.(o.key);
    if (unowned) {
      plan.others.push({ key: o.key, action: 'keep', size: o.size, ...unowned });
      continue;
    }
    owned++;
    if (!local.has(o.key)) stale.push(o);
  }
  planDeletes(plan, stale, owned, input);
  return plan;
}

/**
 * `owned`: the listed keys the spec owns, what a share in max_delete is a share of (keys it
 * never deletes must not make the share of the site larger: 10,000 kept uploads beside a
 * 50-key site would let 50% remove all of it).
 */
function planDeletes(plan: Plan, stale: RemoteObject[], owned: number, input: PlanInput): void {
  const { enabled, max } = input.delete;
  const over = stale.length > deleteLimit(max, owned);
  const reason: Reason | undefined =
    !enabled || input.deletesElsewhere ? 'delete-off' : over ? 'over-max-delete' : undefined;
  const detail =
    reason === 'over-max-delete'
      ? `${stale.length} stale key${stale.length === 1 ? '' : 's'}, ${describeCap(max, owned)}`
      : undefined;
  for (const o of stale) {
    const item: PlanItem = {
      key: o.key,
      action: reason ? 'keep' : 'delete',
      reason: reason ?? 'stale',
      size: o.size,
    };
    if (detail) item.detail = detail;
    (reason ? plan.others : plan.deletes).push(item);
  }
}

/**
 * Decides one key. Cheapest evidence first: existence, size, then digests. (Also used for a
 * new asset that starts before the plan is complete: deploy.ts startsEarly.)
 */
export function decideOne(
  file: LocalFile,
  content: LocalContent,
  remote: RemoteObject | undefined,
  force: boolean,
): PlanItem {
  if (content.update)
    return force ? upload(file, content, 'force') : update(file, content.update, content);
  if (content.replaced !== undefined) return upload(file, content, 'changed', content.replaced);
  // Proven equal while the listing was compared: the object exists, with these bytes.
  if (content.proven !== undefined)
    return force ? upload(file, content, 'force') : skip(file, content, content.proven);
  if (!remote) return upload(file, content, 'new');
  if (force) return upload(file, content, 'force');
  const size = uploadSizeOf(file, content);
  if (remote.size !== size) return upload(file, content, 'size', `${remote.size} → ${size} bytes`);
  const match = digestMatches(content, remote.etag);
  return match.equal
    ? skip(file, content, match.detail)
    : upload(file, content, match.reason, match.detail);
}

/** An upload, with the MD5 the plan computed (the executor checks the file still has it). */
function upload(file: LocalFile, content: LocalContent, reason: Reason, detail?: string): PlanItem {
  return {
    key: file.key,
    action: 'upload',
    reason,
    size: uploadSizeOf(file, content),
    file,
    settings: content.settings,
    ...(content.digest?.md5 ? { md5: content.digest.md5 } : {}),
    ...(detail ? { detail } : {}),
    ...(content.previousCacheControl !== undefined
      ? { previousCacheControl: content.previousCacheControl }
      : {}),
  };
}

/** New settings for an object with the same bytes: replaced in place, the bytes stay. */
function update(
  file: LocalFile,
  target: NonNullable<LocalContent['update']>,
  content: LocalContent,
): PlanItem {
  return {
    key: file.key,
    action: 'update',
    reason: 'settings',
    size: target.size,
    file,
    settings: content.settings,
    detail: target.changes,
    etag: target.etag,
    ...(target.md5 !== undefined ? { md5: target.md5 } : {}),
  };
}

/**
 * A skip, as one literal with every field rather than a spread: V8 keeps the fields a spread
 * adds past a literal's own in a separate array, 40 bytes more for each of the 200,000 skips
 * of a no-change deploy (heap snapshot). A skip needs no MD5: only an upload checks it.
 */
function skip(file: LocalFile, content: LocalContent, detail: string | undefined): PlanItem {
  const item: PlanItem = {
    key: file.key,
    action: 'skip',
    reason: 'unchanged',
    size: uploadSizeOf(file, content),
    file,
    settings: content.settings,
  };
  if (detail) item.detail = detail;
  return item;
}

type MatchResult =
  { equal: true; detail?: string } | { equal: false; reason: Reason; detail?: string };

/** Equal, proven as `how` says ('' when there is nothing to add). */
function equalBy(how: string): MatchResult {
  return how ? { equal: true, detail: how } : { equal: true };
}

function digestMatches(content: LocalContent, rawEtag: string): MatchResult {
  const { digest, storedMd5 } = content;
  const etag = parseEtag(rawEtag);
  if (digest) {
    const how = etagProof(digest, rawEtag);
    if (how !== undefined) return equalBy(how);
    if (storedMd5 !== undefined && storedMd5 === digest.md5) {
      return { equal: true, detail: 'MD5 stored in object metadata matched' };
    }
  }
  if (!digest) return { equal: false, reason: 'changed', detail: 'not hashed' };
  if (!etag.md5Shaped && storedMd5 === undefined) {
    return {
      equal: false,
      reason: 'unverifiable',
      detail: `ETag "${rawEtag}" is not an MD5 and the object has no s3ship MD5 metadata; uploading to be sure`,
    };
  }
  if (etag.parts !== undefined && storedMd5 === undefined) {
    return {
      equal: false,
      reason: 'changed',
      detail: `no tried part size (${[...digest.multipart.keys()].map((p) => `${p / 1048576} MiB`).join(', ') || 'none'}) reproduces ETag ${rawEtag}`,
    };
  }
  return { equal: false, reason: 'changed', detail: 'content differs (MD5)' };
}

/** A key kept because the spec does not own it (exclude, include, keep), not a stale one. */
export function isUnowned(item: PlanItem): boolean {
  return item.reason === 'excluded' || item.reason === 'protected';
}

export function planCounts(plan: Plan): {
  upload: number;
  update: number;
  delete: number;
  skip: number;
  keep: number;
  uploadBytes: number;
} {
  const writes = [...plan.assets, ...plan.entries];
  const uploads = writes.filter((i) => i.action === 'upload');
  return {
    upload: uploads.length,
    update: writes.length - uploads.length,
    delete: plan.deletes.length,
    skip: plan.others.filter((i) => i.action === 'skip').length,
    keep: plan.others.filter((i) => i.action === 'keep').length,
    uploadBytes: uploads.reduce((n, i) => n + i.size, 0),
  };
}
