/**
 * Big files have their part MD5s computed on worker threads: the result must be exactly what
 * one thread computes (the multipart ETag decides whether a file is uploaded), and a file that
 * is missing or changed size since the scan must fail, never hash short.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { digestBuffer, digestFileParts } from '../../src/hash.js';
import { lendToHashPool, POOL_MIN_BYTES } from '../../src/hash-pool.js';
import { scanConfigOf } from '../../src/scan.js';
import { testConfig } from '../support/fixtures.js';
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
  test('a scan thread lent mid-walk answers its jobs once the walk is done, with the same digests', async () => {
    // As a deploy does: the walk finds a big file and the thread is lent at once; the pool's
    // jobs wait on the thread until its walk is done, and the main thread hashes meanwhile.
    const tree = mkdtempSync(path.join(os.tmpdir(), 's3ship-pool-tree-'));
    for (let d = 0; d < 40; d++)
      for (let f = 0; f < 10; f++) {
        mkdirSync(path.join(tree, `d${d}`), { recursive: true });
        writeFileSync(path.join(tree, `d${d}`, `f${f}.txt`), `${d}/${f}`);
      }
    const scanThread = new Worker(new URL('../../dist/scan-worker.js', import.meta.url));
    await new Promise((resolve) => scanThread.once('message', resolve)); // ready
    const order: string[] = [];
    scanThread.on('message', (m: { type?: string; id?: number }) => {
      if (m.type === 'files') scanThread.postMessage({ type: 'taken' });
      order.push(m.type ?? 'reply');
    });
    scanThread.postMessage({ type: 'scan', config: scanConfigOf(testConfig(tree)), hash: false });
    const release = lendToHashPool(scanThread);
    const pooled = await digestFileParts(file, [5 * MiB], undefined, data.length);
    release();
    expect(pooled.multipart.get(5 * MiB)).toBe(
      digestBuffer(data, [5 * MiB]).multipart.get(5 * MiB),
    );
    // It took part, and not before its walk was done.
    expect(order).toContain('reply');
    expect(order.indexOf('reply')).toBeGreaterThan(order.indexOf('done'));
    expect(order.indexOf('done')).toBeGreaterThan(0);
    await scanThread.terminate();
    rmSync(tree, { recursive: true, force: true });
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
