import { describe, expect, test } from '@jest/globals';
import { candidatePartSizes, ourPartSize, parseEtag, partCount } from '../../src/etag.js';
import { digestBuffer } from '../../src/hash.js';

const MiB = 1024 * 1024;
/** 12 MiB + 3 bytes of a repeating pattern; vectors computed independently with Python's hashlib. */
const data = Buffer.from(Array.from({ length: 12 * MiB + 3 }, (_, i) => i % 251));

describe('multipart ETag math (known vectors)', () => {
  test('whole MD5 and multipart ETags for 5 and 8 MiB parts, from one pass', () => {
    const d = digestBuffer(data, [5 * MiB, 8 * MiB]);
    expect(d.md5).toBe('f387e5dea23cb05c7802ceec39e22505');
    expect(d.multipart.get(5 * MiB)).toBe('8a2292e82276e6cbc2dbe5182388c897-3');
    expect(d.multipart.get(8 * MiB)).toBe('0b31559077002d225cfa2af8ebd6e9c0-2');
  });

  test('a zero-byte object is one empty part', () => {
    expect(digestBuffer(Buffer.alloc(0), [8 * MiB]).multipart.get(8 * MiB)).toBe(
      '59adb24ef3cdbe0297f05b395827453f-1',
    );
  });

  test('the result does not depend on how the bytes are chunked', () => {
    const whole = digestBuffer(data, [5 * MiB]);
    expect(whole.partDigests.get(5 * MiB)).toHaveLength(3);
  });
});

describe('parseEtag', () => {
  test('quoted single-part', () => {
    expect(parseEtag('"5D41402ABC4B2A76B9719D911017C592"')).toEqual({
      hex: '5d41402abc4b2a76b9719d911017c592',
      parts: undefined,
      md5Shaped: true,
    });
  });
  test('multipart', () => {
    expect(parseEtag('"8a2292e82276e6cbc2dbe5182388c897-3"')).toMatchObject({
      parts: 3,
      md5Shaped: true,
    });
  });
  test('not MD5-shaped (some stores, SSE-C)', () => {
    expect(parseEtag('"abc"').md5Shaped).toBe(false);
  });
});

describe('part sizes', () => {
  test('ours grows so no file needs more than 10,000 parts', () => {
    expect(ourPartSize(100 * MiB, 8 * MiB)).toBe(8 * MiB);
    const huge = 200 * 1024 * MiB; // 200 GiB
    const size = ourPartSize(huge, 8 * MiB);
    expect(partCount(huge, size)).toBeLessThanOrEqual(10_000);
    expect(partCount(huge, size / 2)).toBeGreaterThan(10_000);
  });

  test('candidates reproduce the part count, common tool defaults first', () => {
    const size = 20 * MiB;
    const c = candidatePartSizes(size, 3);
    expect(c[0]).toBe(8 * MiB); // AWS CLI
    for (const p of c) expect(partCount(size, p)).toBe(3);
    expect(c.length).toBeLessThanOrEqual(8);
  });

  test('a 15 MiB s3cmd part size is found for a 100 MiB object in 7 parts', () => {
    expect(candidatePartSizes(100 * MiB, 7)).toContain(15 * MiB);
  });

  test('a 1-part multipart ETag needs a single candidate', () => {
    expect(candidatePartSizes(3 * MiB, 1)).toHaveLength(1);
  });
});
