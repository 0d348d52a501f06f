/**
 * The bytes that go to the store for a file: the file itself, or its deterministic
 * precompression. Small files are read whole (one read gives both the MD5 and the body);
 * large ones are read a part at a time by the multipart uploader.
 */
import { open, readFile } from 'node:fs/promises';
import { compress } from './compress.js';
import type { ObjectSettings } from './config.js';

/** Reads a whole file and applies the rule's compression, if any. */
export async function readBody(absPath: string, settings: ObjectSettings): Promise<Buffer> {
  const raw = await readFile(absPath);
  return settings.compress ? compress(raw, settings.compress) : raw;
}

/** What the scan saw of a file: a read that finds something else means it changed under us. */
export interface Seen {
  size: number;
  mtimeMs?: number | undefined;
}

/**
 * Reads `length` bytes at `offset`. Fails when the file is no longer what the scan saw (size or
 * modification time): a part read from a file being rewritten must never be published.
 */
export async function readRange(
  absPath: string,
  offset: number,
  length: number,
  seen?: Seen,
): Promise<Buffer> {
  const handle = await open(absPath, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
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
