import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { inShard, parseShard } from '../../src/shard.js';

describe('shards', () => {
  test('property: n shards own every key exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1 }), { maxLength: 50 }),
        fc.integer({ min: 1, max: 16 }),
        (keys, n) => {
          for (const key of keys) {
            const owners = Array.from({ length: n }, (_, i) => i + 1).filter((index) =>
              inShard(key, { index, count: n }),
            );
            expect(owners).toHaveLength(1);
          }
        },
      ),
    );
  });

  test('the partition is roughly even (2,000 keys in 4 shards: each 400–600)', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `d${i % 50}/f${i}.txt`);
    for (let index = 1; index <= 4; index++) {
      const share = keys.filter((k) => inShard(k, { index, count: 4 })).length;
      expect(share).toBeGreaterThan(400);
      expect(share).toBeLessThan(600);
    }
  });

  test('parseShard takes i/n and refuses the rest with the fix', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0']) {
      expect(() => parseShard(bad)).toThrow(/--shard expects i\/n.*e\.g\. --shard 2\/4/);
    }
  });
});
