/**
 * Mapping a file's path under the source directory to an object key. Keys are POSIX paths in
 * Unicode NFC (macOS file systems hand out NFD names; the same page must get the same key
 * from every runner), under the target prefix, and never longer than S3's 1,024 bytes.
 */
import path from 'node:path';

export const MAX_KEY_BYTES = 1024;

export type KeyResult = { ok: true; key: string } | { ok: false; reason: string };

/**
 * Turns a relative path (with the platform's separators) into the object key under `prefix`.
 * Refuses what could escape the prefix or be mis-keyed, with the reason.
 */
export function keyFor(prefix: string, relativePath: string): KeyResult {
  // On POSIX the path already is the key: no new string per file (memory at 200,000 files).
  const posix = (
    path.sep === '/' ? relativePath : relativePath.split(path.sep).join('/')
  ).normalize('NFC');
  const segments = posix.split('/');
  if (posix === '' || segments.some((s) => s === '' || s === '.' || s === '..')) {
    return { ok: false, reason: `path "${posix}" has an empty, "." or ".." segment` };
  }
  const unnamable = nameProblem(posix);
  if (unnamable) return { ok: false, reason: unnamable };
  const key = prefix + posix;
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    return { ok: false, reason: `key would be ${bytes} bytes; S3 allows at most ${MAX_KEY_BYTES}` };
  }
  return { ok: true, key };
}

/**
 * Why a file name can never be a key, or undefined: names that are not valid UTF-8 (Node shows
 * the bad bytes as U+FFFD, so the name would not even lead back to the file) and names with
 * control characters (a newline in a key breaks logs, listings and the tools that read them).
 */
export function nameProblem(name: string): string | undefined {
  if (name.includes('\uFFFD')) return `name is not valid UTF-8 (shown as ${JSON.stringify(name)})`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    return `name ${JSON.stringify(name)} contains a control character`;
  return undefined;
}

/** True when `key` lies under `prefix` (an empty prefix holds every key). */
export function isUnderPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix) && key.length > prefix.length;
}
