/**
 * Big files have their part MD5s computed on worker threads: the result must be exactly what
 * one thread computes (the multipart ETag decides whether a file is uploaded), and a file that
 * is missing or changed size since the scan must fail, never hash short.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { digestBuffer, digestFileParts } from '../../src/hash.js';
import { lendToHashPool, POOL_MIN_BYTES, promiseToHashPool } from '../../src/hash-pool.js';
import { Worker } from 'node:worker_threads';

const MiB = 1024 * 1024;
const dir = mkdtempSync(path.join(os.tmpdir(), 's3ship-pool-'));
const file = path.join(dir, 'big.bin');
// Past the pool threshold, not a whole number of parts, a pattern that differs part to part.
const data = Buffer.alloc(POOL_MIN_BYTES + 9 * MiB + 3);
const words = Math.floor(data.length / 4) * 4;
for (let i = 0; i < words; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);

beforeAll(() => writeFileSync(file, data));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('part digests on the worker pool', () => {
  test('a scan thread lent to the pool while a file is hashed joins in, with the same digests', async () => {
    // As a deploy does: the scan found a big file (promise), its parts are hashed before the
    // walk is done, then the scan thread (dist/scan-worker.js) is lent.
    const scanThread = new Worker(new URL('../../dist/scan-worker.js', import.meta.url));
    await new Promise((resolve) => scanThread.once('message', resolve)); // ready
    promiseToHashPool();
    const hashing = digestFileParts(file, [5 * MiB], undefined, data.length);
    lendToHashPool(scanThread);
    let answered = 0;
    scanThread.on('message', () => answered++);
    const pooled = await hashing;
    expect(pooled.multipart.get(5 * MiB)).toBe(
      digestBuffer(data, [5 * MiB]).multipart.get(5 * MiB),
    );
    expect(answered).toBeGreaterThan(0);
    await scanThread.terminate();
  });

  test('the same multipart ETags and part MD5s as one thread, for two part sizes', async () => {
    const sizes = [8 * MiB, 5 * MiB];
    const pooled = await digestFileParts(file, sizes, undefined, data.length);
    const single = digestBuffer(data, sizes);
    expect(pooled.md5).toBeUndefined();
    expect(pooled.size).toBe(data.length);
    for (const size of sizes) {
      expect(pooled.multipart.get(size)).toBe(single.multipart.get(size));
      expect(pooled.partDigests.get(size)).toEqual(single.partDigests.get(size));
    }
    expect(pooled.multipart.get(8 * MiB)).toMatch(/^[0-9a-f]{32}-6$/);
  });

  test('a file whose size is not the scanned one, or that is gone, fails', async () => {
    await expect(digestFileParts(file, [8 * MiB], undefined, data.length + 1)).rejects.toThrow(
      /changed while it was read/,
    );
    await expect(
      digestFileParts(path.join(dir, 'gone.bin'), [8 * MiB], undefined, data.length),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
