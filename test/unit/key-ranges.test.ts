/**
 * Listing ranges must partition the key space in the store's order (UTF-8 bytes): a key in
 * no range would never be compared (its file re-uploaded, or a stale key never deleted), so
 * the order and the cut points are checked against Buffer.compare on any Unicode.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { compareKeys, cutPoints } from '../../src/key-ranges.js';

const utf8Order = (a: string, b: string) =>
  Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
/** Keys mixing ASCII, BMP characters on both sides of the surrogate range, and astral ones. */
const key = fc.string({
  unit: fc.constantFrom('a', 'z', '/', 'é', '\uE000', '\uFFFD', '\uFF5E', '😀', '𝄞', '日'),
  maxLength: 6,
});

describe('compareKeys', () => {
  test('orders keys as their UTF-8 bytes, as S3 lists them', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(utf8Order(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  test('an astral character sorts after U+FFFD (where UTF-16 order says before)', () => {
    expect('😀' < '\uFFFD').toBe(true);
    expect(compareKeys('😀', '\uFFFD')).toBeGreaterThan(0);
    expect(compareKeys('a/é', 'a/z')).toBeGreaterThan(0);
    expect(compareKeys('a', 'a/')).toBeLessThan(0);
    expect(compareKeys('same', 'same')).toBe(0);
  });
});

describe('cutPoints', () => {
  const sorted = (keys: string[]) => [...new Set(keys)].sort();

  test('strictly increasing local keys, above `after`, at most maxRanges - 1 of them', () => {
    fc.assert(
      fc.property(
        fc.array(key, { maxLength: 200 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.option(key, { nil: undefined }),
        (raw, perRange, maxRanges, after) => {
          const keys = sorted(raw);
          const cuts = cutPoints(keys, perRange, maxRanges, after);
          expect(cuts.length).toBeLessThanOrEqual(Math.max(0, maxRanges - 1));
          for (const c of cuts) expect(keys).toContain(c);
          for (let i = 1; i < cuts.length; i++)
            expect(compareKeys(cuts[i - 1]!, cuts[i]!)).toBeLessThan(0);
          if (after !== undefined)
            for (const c of cuts) expect(compareKeys(after, c)).toBeLessThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('every key falls in exactly one range (after, cut1], (cut1, cut2], …, (cutN, ∞)', () => {
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 200 }), fc.array(key), (raw, probes) => {
        const keys = sorted(raw);
        const cuts = cutPoints(keys, 3, 8);
        for (const k of [...keys, ...probes]) {
          const bounds = [undefined, ...cuts];
          const homes = bounds.filter((lower, i) => {
            const upper = cuts[i];
            return (
              (lower === undefined || compareKeys(k, lower) > 0) &&
              (upper === undefined || compareKeys(k, upper) <= 0)
            );
          });
          expect(homes.length).toBe(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('ranges of about perRange keys; none for a small tree', () => {
    const keys = Array.from(
      { length: 20_000 },
      (_, i) => `site/${String(i).padStart(6, '0')}.html`,
    );
    const cuts = cutPoints(keys, 4000, 8);
    expect(cuts).toEqual([
      'site/003999.html',
      'site/007999.html',
      'site/011999.html',
      'site/015999.html',
    ]);
    expect(cutPoints(keys.slice(0, 4000), 4000, 8)).toEqual([]);
    expect(cutPoints(keys, 4000, 8, 'site/019000.html')).toEqual([]);
    // 200,000 keys, at most 8 ranges of 25,000.
    const many = Array.from({ length: 200_000 }, (_, i) => `k${String(i).padStart(6, '0')}`);
    expect(cutPoints(many, 4000, 8)).toHaveLength(7);
  });
});
