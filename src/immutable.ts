/**
 * `Cache-Control: immutable` (RFC 8246) tells browsers and CDNs that the bytes under a URL never
 * change: they serve their copy without asking again until max-age runs out — for hashed assets
 * often a year. New bytes under such a key reach nobody who has the old ones, so a plan that
 * changes them says so (and `immutable_changes: error` stops the deploy: guards.ts).
 */
import type { PlanItem } from './plan.js';

/** What a plan item that changes an immutable object carries (its `warning`). */
export const IMMUTABLE_CHANGE =
  'Cache-Control says immutable: caches may keep the old bytes until max-age runs out';

/** Whether a Cache-Control value has the `immutable` directive (names are case-insensitive). */
export function saysImmutable(cacheControl: string | undefined): boolean {
  return (
    cacheControl !== undefined &&
    cacheControl.split(',').some((d) => d.trim().toLowerCase() === 'immutable')
  );
}

/**
 * Whether `item` gives new bytes to an object that exists with other bytes (reason `size` or
 * `changed`) and that caches were told never changes: by the Cache-Control the rules give the
 * key now, or by `previousCacheControl`, the one the object was stored with (when known).
 */
export function changesImmutable(item: PlanItem, previousCacheControl?: string): boolean {
  if (item.action !== 'upload' || (item.reason !== 'size' && item.reason !== 'changed'))
    return false;
  return saysImmutable(item.settings?.cacheControl) || saysImmutable(previousCacheControl);
}
