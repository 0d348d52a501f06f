/**
 * Listed keys the spec does not own: no local file has them, yet they are not stale. A key is
 * owned when the source's filters would publish a file at its path — as `aws s3 sync` applies
 * its filters to both sides — and `keep` does not protect it. So `exclude: ['uploads/**']`
 * leaves the objects users uploaded next to the site alone, and so does `include: ['docs/**']`
 * for everything outside docs/. Unowned keys are planned `keep`, never `delete`.
 */
import type { DeployConfig } from './config.js';
import { compileGlobFinder } from './settings.js';

/** Why a listed key with no local file is kept, and the glob that says so. */
export interface Unowned {
  /** `excluded`: the source's include/exclude would not publish it; `protected`: `keep`. */
  reason: 'excluded' | 'protected';
  detail: string;
}

/** Answers, for a key under `prefix`, why the spec does not own it (undefined: it does). */
export function unownedKeys(
  filters: Pick<DeployConfig, 'include' | 'exclude' | 'keep'>,
  prefix: string,
): (key: string) => Unowned | undefined {
  const keep = compileGlobFinder(filters.keep);
  const include = compileGlobFinder(filters.include);
  const exclude = compileGlobFinder(filters.exclude);
  return (key) => {
    // The scan matches NFC paths (scan.ts); a key written by another tool may be NFD.
    const rel = key.slice(prefix.length).normalize('NFC');
    const kept = keep(rel);
    if (kept !== undefined) return { reason: 'protected', detail: `matches keep ${kept}` };
    const excluded = excludedBy(exclude, rel);
    if (excluded !== undefined)
      return { reason: 'excluded', detail: `matches exclude ${excluded}` };
    if (include(rel) === undefined)
      return {
        reason: 'excluded',
        detail: `matches no include glob (${filters.include.join(', ')})`,
      };
    return undefined;
  };
}

/**
 * The exclude glob that keeps the scan away from a file at `rel`: one that matches the path, or
 * one of its folders as the walk skips them (scan.ts excludesWholeDir: `drafts` or `.git`
 * covers everything below, and so does a glob that matches any name at two depths below).
 */
function excludedBy(
  exclude: (path: string) => string | undefined,
  rel: string,
): string | undefined {
  const direct = exclude(rel);
  if (direct !== undefined) return direct;
  for (let slash = rel.indexOf('/'); slash !== -1; slash = rel.indexOf('/', slash + 1)) {
    const dir = rel.slice(0, slash);
    const glob = exclude(dir);
    if (glob !== undefined) return glob;
    const below = exclude(`${dir}/\u0000`);
    if (below !== undefined && exclude(`${dir}/\u0000/\u0000`) !== undefined) return below;
  }
  return undefined;
}
