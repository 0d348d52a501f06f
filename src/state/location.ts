/**
 * Where the deploy state lives. By default in the target bucket, under the prefix:
 * `<prefix>.s3ship/state.json.gz`. There it needs no other permission than the deploy's own
 * (a policy scoped to `arn:aws:s3:::bucket/prefix/*` covers it), and it moves with the site.
 * But whatever serves the prefix serves it too: it lists every key s3ship deployed, with sizes,
 * MD5s, dates and headers (never a credential or a file's content), so a site whose key list is
 * private puts it elsewhere with `state.key` or `state.bucket`. The deploy log names it.
 */
import type { DeployConfig } from '../config.js';
import type { Shard } from '../shard.js';

export interface StateLocation {
  bucket: string;
  key: string;
}

export const DEFAULT_STATE_NAME = '.s3ship/state.json.gz';

export function stateLocation(config: DeployConfig): StateLocation {
  const { target } = config;
  const bucket = config.state?.bucket ?? target.bucket;
  const key =
    config.state?.key ??
    (bucket === target.bucket
      ? `${target.prefix}${DEFAULT_STATE_NAME}`
      : // A bucket of states for many sites: one per target bucket and prefix.
        `${target.bucket}/${target.prefix}state.json.gz`);
  return { bucket, key };
}

/** `s3://bucket/key`, for the log. */
export function stateUrl(location: StateLocation): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** Each shard writes its part of the state; `prune` merges the parts into the state. */
export function shardPartKey(location: StateLocation, shard: Shard): string {
  return `${shardPartsPrefix(location)}${shard.index}-of-${shard.count}`;
}

export function shardPartsPrefix(location: StateLocation): string {
  return `${location.key}.shard-`;
}

/**
 * Whether `key` of the target bucket is the state or a shard's part of it: never site content,
 * so never compared and never stale.
 */
export function isStateKey(location: StateLocation, bucket: string, key: string): boolean {
  return (
    location.bucket === bucket &&
    (key === location.key || key.startsWith(shardPartsPrefix(location)))
  );
}

/** Globs (relative to the source) that keep local files off the state's keys, if it is under the prefix. */
export function stateExcludes(location: StateLocation, config: DeployConfig): string[] {
  const { bucket, prefix } = config.target;
  if (location.bucket !== bucket || !location.key.startsWith(prefix)) return [];
  const relative = location.key.slice(prefix.length);
  return [relative, `${relative}.shard-*`];
}
