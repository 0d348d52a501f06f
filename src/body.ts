/**
 * The bytes that go to the store for a file: the file itself, or its deterministic
 * precompression. Small files are read whole (one read gives both the MD5 and the body);
 * large ones are read a part at a time by the multipart uploader.
 */
import { open, readFile } from 'node:fs/promises';
import { compress } from './compress.js';
import type { ResolvedSettings } from './settings.js';

/** Reads a whole file and applies the rule's compression, if any. */
export async function readBody(absPath: string, settings: ResolvedSettings): Promise<Buffer> {
  const raw = await readFile(absPath);
  return settings.compress ? compress(raw, settings.compress) : raw;
}

/** Reads `length` bytes at `offset`; fails if the file became shorter (it changed under us). */
export async function readRange(absPath: string, offset: number, length: number): Promise<Buffer> {
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
    return buffer;
  } finally {
    await handle.close();
  }
}
