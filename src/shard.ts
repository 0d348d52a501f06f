/**
 * Splitting one deploy across n CI jobs (GitHub matrix, GitLab `parallel:`, Jenkins
 * `parallel`): job i of n uploads the keys whose stable hash falls in its share. The hash is
 * of the key only, so every job agrees without talking to the others, and a key keeps its
 * shard from run to run. Deletes run in none of the shards: one final `s3ship prune` job,
 * which sees the whole tree, removes the stale keys.
 */
import { createHash } from 'node:crypto';
import { S3shipError } from './errors.js';

export interface Shard {
  /** 1-based, as CI systems number their jobs (CI_NODE_INDEX, matrix values). */
  index: number;
  count: number;
}

export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count || count > 1024) {
    throw new S3shipError(
      'USAGE',
      `--shard expects i/n with 1 ≤ i ≤ n ≤ 1024, got "${value}" — e.g. --shard 2/4 (GitLab: --shard $CI_NODE_INDEX/$CI_NODE_TOTAL).`,
    );
  }
  return { index, count };
}

/** Whether `key` belongs to `shard`: the first 4 bytes of its MD5, modulo n. */
export function inShard(key: string, shard: Shard): boolean {
  if (shard.count === 1) return true;
  const h = createHash('md5').update(key).digest().readUInt32BE(0);
  return h % shard.count === shard.index - 1;
}
