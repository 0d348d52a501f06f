/**
 * Parts read from disk go into reused buffers. What users rely on: every object is the file,
 * byte for byte, however often a buffer went from one part to the next or from one file to
 * another while other parts were still in flight.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { run } from '../../src/deploy.js';
import { multipartEtag } from '../../src/etag.js';
import { PartPool } from '../../src/part-pool.js';
import { noWait, tempTree, testConfig } from '../support/fixtures.js';
import { MemoryStore } from '../support/memory-store.js';

/** Bytes that differ in every part, so a part holding another's bytes cannot pass. */
function pattern(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 131 + seed * 7 + (i >> 9)) & 0xff;
  return b;
}

const files = { 'a.bin': pattern(40 * 512 + 100, 1), 'b.bin': pattern(33 * 512, 2) };
let source: string;
beforeAll(async () => {
  source = await tempTree(files);
});
afterAll(async () => {
  await rm(source, { recursive: true, force: true });
});

describe('parts in reused buffers', () => {
  test('two files of 33 and 41 parts, 3 requests in flight: each object is its file', async () => {
    const store = new MemoryStore();
    store.latencyMs = 1;
    const result = await run(
      {
        config: testConfig(source, {
          concurrency: 3,
          multipart: { threshold: 1024, partSize: 512 },
        }),
        dryRun: false,
        force: false,
      },
      { env: {}, emit: () => undefined, retry: noWait, createStore: () => store },
    );
    expect(result.outcomes?.filter((o) => o.status !== 'done')).toEqual([]);
    for (const [name, bytes] of Object.entries(files)) {
      const stored = store.objects.get(name)!;
      expect(stored.body.equals(bytes)).toBe(true);
      const parts: Buffer[] = [];
      for (let o = 0; o < bytes.length; o += 512)
        parts.push(
          createHash('md5')
            .update(bytes.subarray(o, o + 512))
            .digest(),
        );
      expect(stored.etag).toBe(multipartEtag(parts));
    }
    expect(store.count('UploadPart')).toBe(41 + 33);
  });

  test('the pool hands a buffer back out only after it was given back, and keeps at most its bound', () => {
    const pool = new PartPool(2);
    const a = pool.take(10);
    const b = pool.take(10);
    expect(a).not.toBe(b);
    pool.give(a);
    expect(pool.take(8)).toBe(a); // big enough: reused
    pool.give(a);
    expect(pool.take(20)).not.toBe(a); // too small: a new one
    pool.give(b);
    pool.give(Buffer.alloc(10));
    pool.give(Buffer.alloc(10)); // over the bound: dropped
    const kept = [pool.take(1), pool.take(1), pool.take(1)];
    expect(new Set(kept).size).toBe(3);
  });
});
