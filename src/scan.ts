/**
 * The local side: walks the source directory and lists the files to publish, each with its
 * object key. Safety first, because the source is often a build of an untrusted pull request:
 * symlinks are followed only while they stay inside the source tree (a link to
 * /proc/self/environ or ~/.aws/credentials must never be published), directory loops are
 * detected, and anything that is not a regular file is skipped with a reason.
 */
import { opendirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeployConfig } from './config.js';
import { S3shipError } from './errors.js';
import { statAndMd5 } from './hash.js';
import { heapForFiles } from './heap.js';
import { compareKeys } from './key-ranges.js';
import { keyFor, nameProblem } from './keys.js';
import { compileGlobs, type Matcher } from './settings.js';

export interface LocalFile {
  /** Path relative to the source, POSIX separators, NFC. Rules and globs match this. */
  relPath: string;
  key: string;
  /** The source folder, resolved (one string shared by every file). */
  root: string;
  /**
   * Where the bytes are, when that is not `root/relPath`: a symlink's target, or a name that
   * NFC normalisation changed. Read through localPath(). (A path per file was ~10 MB at
   * 200,000 files.)
   */
  absPath?: string;
  size: number;
  /**
   * Modification time at scan, for files uploaded in parts straight from disk (a part read that
   * finds another one means the file changed under us). Undefined for smaller files: they are
   * read whole and their bytes checked against the plan's MD5, and a time per file is a boxed
   * double (16 bytes) × 200,000 files.
   */
  mtimeMs?: number | undefined;
  /** Entry documents (HTML by default) are uploaded after every other file. */
  entry: boolean;
}

/** The path to read a file's bytes from. */
export function localPath(file: LocalFile): string {
  return file.absPath ?? path.join(file.root, file.relPath);
}

export interface Skipped {
  relPath: string;
  reason: string;
}

export interface ScanResult {
  files: LocalFile[];
  skipped: Skipped[];
}

/** What a scan reads of the deploy config (plain data: it crosses to the scan thread). */
export type ScanConfig = Pick<
  DeployConfig,
  'source' | 'include' | 'exclude' | 'entryDocuments' | 'followOutsideSymlinks'
> & {
  target: Pick<DeployConfig['target'], 'prefix'>;
  multipart: Pick<DeployConfig['multipart'], 'threshold'>;
};

/** The part of a config a scan needs, as plain data. */
export function scanConfigOf(config: ScanConfig): ScanConfig {
  return {
    source: config.source,
    include: config.include,
    exclude: config.exclude,
    entryDocuments: config.entryDocuments,
    followOutsideSymlinks: config.followOutsideSymlinks,
    target: { prefix: config.target.prefix },
    multipart: { threshold: config.multipart.threshold },
  };
}

/**
 * Entries between two yields to the event loop during a scan. Counted over the whole walk, not
 * per folder: a tree of many small folders (2,000 files in 1,000 folders) never filled a
 * folder's batch, so the scan held the event loop from start to end, and the listing page that
 * had arrived meanwhile was read, and the next one asked for, only after it (~120 ms later).
 */
const STAT_BATCH = 256;

/**
 * Walks the source. `onFile` hears of each file as it is found (in walk order), so a deploy can
 * compare it with its listed object before the walk is done. The files come back sorted by key.
 */
export async function scanSource(
  config: ScanConfig,
  onFile?: (file: LocalFile) => void,
): Promise<ScanResult> {
  const files: LocalFile[] = [];
  const skipped = await walkSource(config, (file) => {
    files.push(file);
    onFile?.(file);
  });
  return { files: sortByKey(files), skipped };
}

/** Sorts scanned files by key, in place (as S3 lists: UTF-16 code-unit order of NFC keys). */
export function sortByKey(files: LocalFile[]): LocalFile[] {
  return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The walk alone: each file goes to `onFile` and is not kept (the scan thread posts files on
 * and must not hold a second copy of a large tree). Returns what was skipped, and why.
 * `pause`, asked at each yield, may hold the walk until its consumer has caught up.
 * `digest`, asked once per regular file the globs publish, as it is found, says whether to
 * compute the MD5 of its bytes (small files only: see statAndMd5), which `onFile` then gets.
 */
export async function walkSource(
  config: ScanConfig,
  onFile: (file: LocalFile, md5: string | undefined) => void,
  pause?: () => Promise<void> | undefined,
  digest?: () => boolean,
): Promise<Skipped[]> {
  const root = await checkSource(config.source);
  const ctx: WalkContext = {
    root,
    prefix: config.target.prefix,
    include: compileGlobs(config.include),
    exclude: compileGlobs(config.exclude),
    entry: compileGlobs(config.entryDocuments),
    followOutside: config.followOutsideSymlinks,
    partsFromDisk: config.multipart.threshold,
    count: 0,
    skipped: [],
    sinceYield: 0,
    pause,
    onFile,
    digest,
    renamedPaths: new Map(),
  };
  await walk(ctx, root, '', new Set([root]));
  return ctx.skipped;
}

/** Resolves the source and refuses what must never be deployed whole. */
async function checkSource(source: string): Promise<string> {
  let real: string;
  let info: Stats;
  try {
    real = await realpath(source);
    info = await stat(real);
  } catch (cause) {
    throw new S3shipError(
      'SOURCE_INVALID',
      `Source directory ${source} does not exist — set "source" in the spec or --source to the folder your build writes (e.g. ./public or ./dist).`,
      { cause },
    );
  }
  if (!info.isDirectory()) {
    throw new S3shipError(
      'SOURCE_INVALID',
      `Source ${source} is a file, not a directory — point "source" at the folder that holds it.`,
    );
  }
  const home = os.homedir();
  if (
    real === path.parse(real).root ||
    (home && real === (await realpath(home).catch(() => home)))
  ) {
    throw new S3shipError(
      'SOURCE_INVALID',
      `Source ${source} resolves to ${real}, the file-system root or the home directory — refusing to publish it; point "source" at your build output folder.`,
    );
  }
  return real;
}

interface WalkContext {
  root: string;
  prefix: string;
  include: Matcher;
  exclude: Matcher;
  entry: Matcher;
  followOutside: boolean;
  /** Files from this size on are uploaded in parts read from disk (multipart threshold). */
  partsFromDisk: number;
  /** Files found so far. */
  count: number;
  skipped: Skipped[];
  /** Entries visited since the walk last yielded to the event loop. */
  sinceYield: number;
  pause: (() => Promise<void> | undefined) | undefined;
  onFile: (file: LocalFile, md5: string | undefined) => void;
  digest: (() => boolean) | undefined;
  /** Key path → disk path of each file whose path normalisation changed (few, if any). */
  renamedPaths: Map<string, string>;
}

/**
 * Walks `dir` (whose path relative to the source is `rel`). `dir` is a real path: the resolved
 * source, a resolved symlink, or a real path joined with the name of a directory that is not a
 * link. `ancestors` holds the real paths of the folders on the chain down to it, so a symlink
 * that resolves to one of them is a loop. (Real paths rather than device and inode numbers, so
 * the loop check needs no stat: it once saved 1,051 of a 2,000-file tree's ~14,300 syscalls;
 * readFolder now takes one per folder for its size, ~0.6 µs each. Two real paths are one
 * directory only through a bind mount.)
 */
async function walk(
  ctx: WalkContext,
  dir: string,
  rel: string,
  ancestors: Set<string>,
  renamed = false,
  direct = true,
): Promise<void> {
  // Synchronous calls on purpose (here and for stat/realpath below): a scan is one syscall per
  // entry, and a promise plus a thread-pool hop per syscall cost more than the syscall itself
  // (2,000 files in 1,000 folders: no-change deploy 1.4 → 1.0 s). The listing request is
  // already in flight meanwhile.
  const folder = readFolder(dir);
  const subdirs: Subdir[] = [];
  for (let i = 0; i < folder.size; i++) {
    const sub = visit(ctx, dir, rel, folder.name(i), folder.kind(i), renamed, direct);
    if (sub) subdirs.push(sub);
    // Let the event loop breathe, so listing pages are read (and the next ones asked for)
    // during the scan.
    if (++ctx.sinceYield === STAT_BATCH) {
      ctx.sinceYield = 0;
      await setImmediatePromise();
      await ctx.pause?.();
    }
  }
  for (const sub of subdirs) await walkSubdir(ctx, sub, ancestors);
}

/** What a folder entry is, by its directory entry (no stat). */
type Kind = 'file' | 'dir' | 'link' | 'other';

/** A folder's entries, in UTF-8 byte order of their names (the order readdirSync gives). */
interface Folder {
  size: number;
  name(i: number): string;
  kind(i: number): Kind;
}

/**
 * Folders whose own size (what the file system reports for the directory) is above this are
 * read as a stream: about 2,000 entries on ext4, 3,000 on tmpfs (20 bytes an entry) or btrfs
 * (twice the names' length).
 */
const LARGE_FOLDER_BYTES = 64 * 1024;

/**
 * Reads a folder, in the order readdirSync gives (byte order of the names), which the walk
 * keeps so that a deploy goes the same way on every machine.
 *
 * A large folder is streamed, keeping only the names (and the kind of the few entries that are
 * not regular files). readdirSync builds every entry at once, and the scan thread's heap, grown
 * by ~50 MB for 200,000 of them, kept that size: a single folder of 200,000 files peaked ~30 MiB
 * above the same files in folders of 1,000 (6 alternated pairs of a no-change deploy: peak RSS
 * 252–276 MiB read whole, 223–238 streamed; wall the same). Small folders are read whole, as a
 * stream (fs.Dir) costs ~8 µs more per folder. The folder's size tells them apart before it is
 * read, at the price of one stat per folder (~0.6 µs); a file system that reports no size for
 * directories has every folder read whole, as before.
 */
function readFolder(dir: string): Folder {
  if (statSync(dir).size <= LARGE_FOLDER_BYTES) {
    const entries = readdirSync(dir, { withFileTypes: true });
    return {
      size: entries.length,
      name: (i) => entries[i]!.name,
      kind: (i) => kindOf(entries[i]!),
    };
  }
  const names: string[] = [];
  let others: Map<string, Kind> | undefined;
  const stream = opendirSync(dir, { bufferSize: 256 });
  try {
    for (let entry = stream.readSync(); entry !== null; entry = stream.readSync()) {
      names.push(entry.name);
      if (!entry.isFile()) (others ??= new Map()).set(entry.name, kindOf(entry));
    }
  } finally {
    stream.closeSync();
  }
  // UTF-16 order (the default sort, the fastest) is byte order unless a name holds a character
  // beyond U+FFFF.
  names.sort(names.some((n) => SURROGATE.test(n)) ? compareKeys : undefined);
  return {
    size: names.length,
    name: (i) => names[i]!,
    kind: (i) => others?.get(names[i]!) ?? 'file',
  };
}

const SURROGATE = /[\uD800-\uDFFF]/;

function kindOf(entry: Dirent): Kind {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  return entry.isSymbolicLink() ? 'link' : 'other';
}

interface Subdir {
  /** Its real path (see walk). */
  abs: string;
  rel: string;
  /** Some name on its path is not in NFC: the key path differs from the disk path. */
  renamed: boolean;
  /** Its path is the source's path joined with `rel` (no symlink and no renamed name on the way). */
  direct: boolean;
}

async function walkSubdir(ctx: WalkContext, sub: Subdir, ancestors: Set<string>): Promise<void> {
  if (ancestors.has(sub.abs)) {
    ctx.skipped.push({
      relPath: sub.rel,
      reason: 'symlink loop (points back to a folder above it)',
    });
    return;
  }
  const chain = new Set(ancestors).add(sub.abs);
  try {
    await walk(ctx, sub.abs, sub.rel, chain, sub.renamed, sub.direct);
  } catch (error) {
    // An unreadable folder (permissions) is one skipped entry, not a failed deploy.
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    ctx.skipped.push({ relPath: sub.rel, reason: `folder cannot be read (${code})` });
  }
}

/** Classifies one directory entry: records a file, returns a subdirectory to walk, or skips. */
function visit(
  ctx: WalkContext,
  dir: string,
  parentRel: string,
  name: string,
  kind: Kind,
  parentRenamed: boolean,
  parentDirect: boolean,
): Subdir | undefined {
  const rawRel = parentRel ? `${parentRel}/${name}` : name;
  const relPath = rawRel.normalize('NFC');
  // `parentRel` is already NFC: the names differ only where this entry's name is not.
  const renamed = parentRenamed || relPath !== rawRel;
  // Reported before anything else: a glob cannot match every such name (picomatch's `*` never
  // matches a newline), so it would vanish without a word; and it is shown escaped, so a name
  // cannot forge lines in a CI log.
  const unnamable = nameProblem(relPath);
  if (unnamable) {
    ctx.skipped.push({ relPath: JSON.stringify(relPath), reason: unnamable });
    return undefined;
  }
  // `dir` is absolute and normalised (the resolved source, a resolved link, or built this way)
  // and a name holds no separator: joining needs no path.join, whose normalising cost ~18 ms
  // of a 2,000-file scan's ~250 (profiled).
  let abs = dir + path.sep + name;
  // Its disk path is root/relPath: the file needs no path of its own (see LocalFile.absPath).
  const direct = parentDirect && !renamed && kind !== 'link';
  // A folder that is not a link: its directory entry says all the walk needs.
  if (kind === 'dir') return subdir(ctx, abs, relPath, renamed, direct);
  // Decided before the stat, so that a file the globs leave out is never read for a digest.
  const published = ctx.include(relPath) && !ctx.exclude(relPath);
  const digest = () => published && ctx.digest?.() === true;
  let info: Stats;
  let md5: string | undefined;
  try {
    if (kind === 'link') {
      const target = realpathSync(abs);
      if (!isInside(ctx.root, target) && !ctx.followOutside) {
        ctx.skipped.push({
          relPath,
          reason: `symlink to ${target}, outside the source (set follow_outside_symlinks: true to publish it)`,
        });
        return undefined;
      }
      abs = target;
    }
    // A regular file by its directory entry is opened at once (statAndMd5 takes its stat from
    // the open file); a link is opened only once its target's stat says it is a regular file
    // (opening a device can act: a tape rewinds, a watchdog starts).
    if (kind === 'file' && digest()) ({ info, md5 } = statAndMd5(abs));
    else {
      info = statSync(abs);
      if (info.isFile() && digest()) md5 = statAndMd5(abs).md5;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ELOOP'
        ? 'symlink loop'
        : code === 'ENOENT'
          ? kind === 'link'
            ? 'dangling symlink'
            : 'vanished while the source was scanned'
          : `cannot be read (${code ?? String(error)})`;
    ctx.skipped.push({ relPath, reason: why });
    return undefined;
  }
  if (info.isDirectory()) return subdir(ctx, abs, relPath, renamed, direct);
  if (!info.isFile()) {
    ctx.skipped.push({ relPath, reason: 'not a regular file (FIFO, socket or device)' });
    return undefined;
  }
  if (!published) return undefined;
  const key = keyFor(ctx.prefix, relPath);
  if (!key.ok) {
    ctx.skipped.push({ relPath, reason: key.reason });
    return undefined;
  }
  if (renamed) {
    const twin = sameKeyAs(ctx, relPath, rawRel, info);
    if (twin) {
      ctx.skipped.push({
        relPath: JSON.stringify(rawRel),
        reason: `same key as ${JSON.stringify(twin)}: the names differ only in Unicode normalization (NFC/NFD); rename one of them`,
      });
      return undefined;
    }
  }
  heapForFiles(++ctx.count);
  ctx.onFile(
    localFile({
      relPath,
      key: key.key,
      root: ctx.root,
      ...(direct ? {} : { absPath: abs }),
      size: info.size,
      mtimeMs: info.size >= ctx.partsFromDisk ? info.mtimeMs : undefined,
      entry: ctx.entry(relPath),
    }),
    md5,
  );
  return undefined;
}

/** A folder to walk, unless an exclude glob covers all of it. */
function subdir(
  ctx: WalkContext,
  abs: string,
  rel: string,
  renamed: boolean,
  direct: boolean,
): Subdir | undefined {
  return excludesWholeDir(ctx.exclude, rel) ? undefined : { abs, rel, renamed, direct };
}

/**
 * A file's record, compact: 200,000 of them stay in memory for a whole deploy. `root` is the
 * one string every file shares; `key` is `relPath` itself when they are equal (no prefix), one
 * string instead of two. The scan thread's records arrive as copies (a structured clone shares
 * no strings and builds objects property by property, ~250 bytes more per file measured at
 * 200,000 files), so the main thread rebuilds them through here too, with its own `root`.
 */
export function localFile(fields: LocalFile, root = fields.root): LocalFile {
  return {
    relPath: fields.relPath,
    key: fields.key === fields.relPath ? fields.relPath : fields.key,
    root,
    ...(fields.absPath === undefined ? {} : { absPath: fields.absPath }),
    // Stats numbers are boxed doubles; Math.trunc hands back a small integer where the size
    // fits one (below 1 GiB), stored unboxed in the record: 16 bytes less per file.
    size: Math.trunc(fields.size),
    mtimeMs: fields.mtimeMs,
    entry: fields.entry,
  };
}

/**
 * Two files must never share a key (both would be uploaded to it, in either order, on every
 * run). Names are NFC-normalised into keys, so `café` written in NFC and in NFD are two files
 * with one key. The file whose path is the key's own wins; one reached through a name that
 * normalisation changed is refused if that path holds another file, or if another such file
 * took the key first. Returns the path of the file that keeps the key, if any.
 */
function sameKeyAs(
  ctx: WalkContext,
  relPath: string,
  rawRel: string,
  info: Stats,
): string | undefined {
  // On a normalisation-insensitive file system (macOS) the NFC path finds this same file.
  const atKeyPath = statSync(path.join(ctx.root, relPath), { throwIfNoEntry: false });
  if (atKeyPath?.isFile() && (atKeyPath.ino !== info.ino || atKeyPath.dev !== info.dev))
    return relPath;
  const earlier = ctx.renamedPaths.get(relPath);
  if (earlier !== undefined) return earlier;
  ctx.renamedPaths.set(relPath, rawRel);
  return undefined;
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Whether an exclude glob covers everything below a folder, so the walk can skip it (`.git/`,
 * `node_modules/**`). Probed with names no real file has, at two depths: `dir/*` matches a
 * child but not a grandchild, so it does not prune (its files are still matched one by one).
 */
function excludesWholeDir(exclude: Matcher, rel: string): boolean {
  return exclude(rel) || (exclude(`${rel}/\u0000`) && exclude(`${rel}/\u0000/\u0000`));
}
