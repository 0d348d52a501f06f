/**
 * Gathers what the plan needs to know about each local file's content, doing as little work
 * as possible: no remote object or a different size → nothing to hash; same size → one read
 * that computes the MD5 and the multipart ETag for every plausible part size; and only when
 * that proves nothing, one HEAD for the MD5 s3ship stored in metadata (and, where the store
 * supports it, the exact part size from `PartNumber=1`).
 */
import os from 'node:os';
import pLimit from 'p-limit';
import { readBody } from './body.js';
import type { DeployConfig } from './config.js';
import { candidatePartSizes, etagProof, ourPartSize, parseEtag } from './etag.js';
import { digestBuffer, digestFile, digestFileParts, md5Digest, type Digest } from './hash.js';
import { decideOne, uploadSizeOf, type LocalContent } from './plan.js';
import type { SettingsCheck } from './state/settings-check.js';
import { localPath, type LocalFile } from './scan.js';
import { settingsResolver } from './settings.js';
import type { ObjectSettings } from './config.js';
import type { ObjectStore, RemoteObject } from './store/store.js';
import { MD5_METADATA_KEY } from './upload.js';

export interface InspectOptions {
  config: DeployConfig;
  store: ObjectStore;
  signal?: AbortSignal;
  /** Checks the settings of objects whose bytes are equal (with the deploy state); none: bytes only. */
  settingsCheck?: SettingsCheck;
}

/**
 * Inspects one file against its remote object (if any); bounded, so call it freely. `md5` is
 * the MD5 of the file's bytes if the scan computed it (then a plain ETag needs no read here).
 */
export type Inspector = (
  file: LocalFile,
  remote: RemoteObject | undefined,
  md5?: string,
) => Promise<LocalContent>;

export function createInspector(options: InspectOptions): Inspector {
  const resolve = settingsResolver(options.config.rules);
  // Hashing small files is mostly waiting on the file system: several tasks per core keep it busy.
  const limit = pLimit(Math.max(8, os.availableParallelism() * 4));
  const shared = sharedRecords();
  const check = options.settingsCheck;
  const inspect: Inspector = (file, remote, md5) =>
    limit(async () => {
      options.signal?.throwIfAborted();
      const settings = resolve(file.relPath);
      const found = await inspectOne(file, remote, settings, options, md5);
      // The two common verdicts, new (a cold deploy) and proven equal (no change), need no
      // record of their own when the upload size is the file's: one per settings and verdict
      // serves them all (at 200,000 unchanged files, 200,000 records were ~10 MB of the live
      // heap beside the plan's own items). A proven one keeps no listed object: the verdict is
      // all the plan needs (see LocalContent.proven).
      const ownSize = found.uploadSize === file.size;
      if (!remote) return ownSize ? shared(settings, undefined) : { settings, ...found };
      if (found.proven !== undefined)
        return ownSize ? shared(settings, found.proven) : { settings, ...found };
      return { settings, remote, ...found };
    });
  if (!check) return inspect;
  return async (file, remote, md5) => {
    const content = await inspect(file, remote, md5);
    return remote ? withSettingsVerdict(file, remote, content, md5, check) : content;
  };
}

/**
 * Adds what the settings check finds to a file's content: for an object with the same bytes,
 * whether its settings are the rules' (else the plan updates them in place); for one with other
 * bytes, the Cache-Control it was served with (the plan warns when that said `immutable`).
 */
async function withSettingsVerdict(
  file: LocalFile,
  remote: RemoteObject,
  content: LocalContent,
  scannedMd5: string | undefined,
  check: SettingsCheck,
): Promise<LocalContent> {
  if (decideOne(file, content, remote, false).action !== 'skip') {
    const previous = await check.previousCacheControl(remote);
    return previous === undefined ? content : { ...content, previousCacheControl: previous };
  }
  // The scan's MD5 is of the file; a compressed object's bytes are the compressed ones.
  const md5 =
    content.digest?.md5 ??
    content.storedMd5 ??
    (content.settings.compress ? undefined : scannedMd5);
  const verdict = await check.check(file, remote, content.settings, md5, content.head);
  if ('replaced' in verdict)
    return {
      settings: content.settings,
      uploadSize: uploadSizeOf(file, content),
      replaced: verdict.replaced,
    };
  if (verdict.same) return content;
  return {
    ...content,
    update: {
      changes: verdict.changes,
      etag: remote.etag,
      size: remote.size,
      ...(verdict.md5 !== undefined ? { md5: verdict.md5 } : {}),
    },
  };
}

/**
 * Content records shared by every file with the same settings and verdict (new, or proven equal
 * as `how` says), frozen so that no caller can change one file's record under another's feet.
 */
function sharedRecords(): (settings: ObjectSettings, how: string | undefined) => LocalContent {
  const bySettings = new Map<ObjectSettings, Map<string | undefined, LocalContent>>();
  return (settings, how) => {
    let byHow = bySettings.get(settings);
    if (!byHow) {
      byHow = new Map<string | undefined, LocalContent>();
      bySettings.set(settings, byHow);
    }
    let record = byHow.get(how);
    if (!record) {
      record = Object.freeze(how === undefined ? { settings } : { settings, proven: how });
      byHow.set(how, record);
    }
    return record;
  };
}

async function inspectOne(
  file: LocalFile,
  remote: RemoteObject | undefined,
  settings: ObjectSettings,
  options: InspectOptions,
  scannedMd5: string | undefined,
): Promise<Omit<LocalContent, 'settings'>> {
  const { config } = options;
  if (settings.compress) {
    // The upload size of a compressed file is only known after compressing it.
    if (!remote) return { uploadSize: file.size };
    const body = await readBody(localPath(file), settings, file.size);
    const digest = digestBuffer(body, partSizesFor(body.length, remote, config));
    return withStoredMd5(body.length, digest, remote, options);
  }
  if (!remote || remote.size !== file.size) return { uploadSize: file.size };
  const sizes = partSizesFor(file.size, remote, config);
  // The file's path is built only to read it: most files are proven by the MD5 the scan took
  // (path.join for each was ~5% of the main thread's CPU in a no-change deploy, profiled).
  const whole = () => digestFile(localPath(file), [], options.signal, file.size);
  // Against a multipart ETag only part digests count: no whole-file MD5 unless needed later.
  const digest = sizes.length
    ? await digestFileParts(localPath(file), sizes, options.signal, file.size)
    : scannedMd5 !== undefined
      ? md5Digest(scannedMd5, file.size)
      : await whole();
  return withStoredMd5(file.size, digest, remote, options, {
    rehash: (exactPartSize) => digestFileParts(localPath(file), [exactPartSize], options.signal),
    whole,
  });
}

/** Part sizes worth hashing for a multipart remote ETag: ours first, then other tools'. */
function partSizesFor(size: number, remote: RemoteObject, config: DeployConfig): number[] {
  const etag = parseEtag(remote.etag);
  if (etag.parts === undefined) return [];
  return candidatePartSizes(size, etag.parts, [ourPartSize(size, config.multipart.partSize)]);
}

/**
 * Content proven equal keeps no digest: the plan only needs the verdict, and at 200,000
 * unchanged files a digest and its hex string per file were ~20 MB of the live heap.
 */
function proven(uploadSize: number, how: string): Omit<LocalContent, 'settings'> {
  return { uploadSize, proven: how };
}

/**
 * When the ETag does not prove the bytes equal, ask the object itself: the MD5 s3ship stored
 * in its metadata (SSE-KMS and some stores have non-MD5 ETags), and for multipart objects the
 * size of part 1 (S3 answers `PartNumber=1` heads; Ceph RGW 16 ignores them).
 */
async function withStoredMd5(
  uploadSize: number,
  digest: Digest,
  remote: RemoteObject,
  options: InspectOptions,
  again?: {
    /** Part digests for the exact part size the store reported. */
    rehash: (exactPartSize: number) => Promise<Digest>;
    /** The whole-file MD5, to compare with the one stored in metadata. */
    whole: () => Promise<Digest>;
  },
): Promise<Omit<LocalContent, 'settings'>> {
  const how = etagProof(digest, remote.etag);
  if (how !== undefined) return proven(uploadSize, how);
  // The deploy state knows the MD5 of the objects it describes: no HEAD for it.
  const recorded = await options.settingsCheck?.recordedMd5(remote);
  if (recorded !== undefined) {
    const md5 = digest.md5 ?? (again ? (await again.whole()).md5 : undefined);
    return { uploadSize, digest: { ...digest, ...(md5 ? { md5 } : {}) }, storedMd5: recorded };
  }
  const multipart = parseEtag(remote.etag).parts !== undefined;
  const head = await options.store.head(remote.key, {
    ...(multipart ? { partNumber: 1 } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!head) return { uploadSize, digest };
  // Kept for the settings check, which would otherwise read the same object again (not a part's
  // answer: its size is the part's).
  const headed = multipart ? {} : { head };
  const storedMd5 = head.metadata[MD5_METADATA_KEY];
  const exact = head.partsCount !== undefined && head.size < uploadSize ? head.size : undefined;
  if (again && exact !== undefined && !digest.multipart.has(exact)) {
    const exactHow = etagProof(await again.rehash(exact), remote.etag);
    if (exactHow !== undefined) return proven(uploadSize, exactHow);
  }
  if (storedMd5 && digest.md5 === undefined && again) {
    return {
      uploadSize,
      digest: { ...digest, md5: (await again.whole()).md5 },
      storedMd5,
      ...headed,
    };
  }
  return { uploadSize, digest, ...(storedMd5 ? { storedMd5 } : {}), ...headed };
}
