/**
 * The bytes that go to the store for a file: the file itself, or its deterministic
 * precompression. Small files are read whole (one read gives both the MD5 and the body);
 * large ones are read a part at a time by the multipart uploader.
 */
import { readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { compress } from './compress.js';
import type { ObjectSettings } from './config.js';
import { readInto } from './read-into.js';

/**
 * Files up to this size are read synchronously: for a small file the four thread-pool hops of
 * an async read (open, fstat, read, close, each with its promise) cost more than the read, and
 * a cold deploy reads thousands of them. Measured on 2,000 × 4 KiB uploads: see
 * docs/benchmarks.md. A deploy reads files its build just wrote (in the page cache), so a
 * 256 KiB read holds the event loop for tens of microseconds, not a disk seek.
 */
export const SYNC_READ_MAX = 256 * 1024;

/**
 * Reads a whole file and applies the rule's compression, if any. `expectedSize` (what the scan
 * saw) picks the synchronous read for small files; a file that grew since is returned with
 * more bytes than expected, so the caller's size check sees the change.
 */
export async function readBody(
  absPath: string,
  settings: ObjectSettings,
  expectedSize?: number,
): Promise<Buffer> {
  const raw =
    expectedSize !== undefined && expectedSize <= SYNC_READ_MAX
      ? readSmallBody(absPath, expectedSize)
      : await readFile(absPath);
  return settings.compress ? compress(raw, settings.compress) : raw;
}

/** The file in a buffer of its own; one byte of room past `expectedSize` reveals growth. */
function readSmallBody(absPath: string, expectedSize: number): Buffer {
  const buffer = Buffer.allocUnsafe(expectedSize + 1);
  const filled = readInto(absPath, buffer, expectedSize);
  // A file that grew past the room left is read whole the usual way (rare: it changed).
  if (filled === buffer.length) return readFileSync(absPath);
  return buffer.subarray(0, filled);
}

/** What the scan saw of a file: a read that finds something else means it changed under us. */
export interface Seen {
  size: number;
  mtimeMs?: number | undefined;
}

/**
 * Reads `length` bytes at `offset` (into `into` when given and big enough). Fails when the file
 * is no longer what the scan saw (size or modification time): a part read from a file being
 * rewritten must never be published.
 */
export async function readRange(
  absPath: string,
  offset: number,
  length: number,
  seen?: Seen,
  into?: Buffer,
): Promise<Buffer> {
  const handle = await open(absPath, 'r');
  try {
    // Into the caller's (reused) buffer when it has room: see part-pool.ts.
    const buffer =
      into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
      if (bytesRead === 0)
        throw new Error(`file ended at byte ${offset + filled}; expected ${offset + length}`);
      filled += bytesRead;
    }
    if (seen) {
      const now = await handle.stat();
      if (now.size !== seen.size || (seen.mtimeMs !== undefined && now.mtimeMs !== seen.mtimeMs)) {
        throw new Error(
          `it changed while being uploaded (size ${seen.size} → ${now.size}, modified again); run the deploy again`,
        );
      }
    }
    return buffer;
  } finally {
    await handle.close();
  }
}
