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
  const posix = relativePath.split(path.sep).join('/').normalize('NFC');
  const segments = posix.split('/');
  if (posix === '' || segments.some((s) => s === '' || s === '.' || s === '..')) {
    return { ok: false, reason: `path "${posix}" has an empty, "." or ".." segment` };
  }
  if (posix.includes('\uFFFD')) {
    return { ok: false, reason: `name is not valid UTF-8 (shown as "${posix}")` };
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(posix)) {
    return { ok: false, reason: `name "${JSON.stringify(posix)}" contains a control character` };
  }
  const key = prefix + posix;
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    return { ok: false, reason: `key would be ${bytes} bytes; S3 allows at most ${MAX_KEY_BYTES}` };
  }
  return { ok: true, key };
}

/** True when `key` lies under `prefix` (an empty prefix holds every key). */
export function isUnderPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix) && key.length > prefix.length;
}
