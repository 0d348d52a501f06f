/**
 * Command-line overrides: which spec key each one replaces, merging them into the parsed spec
 * before validation (so flags are checked by the same schema), and naming the flag in problems.
 */
import { formatPath, type SpecPath } from './positions.js';

/** Values given on the command line; each wins over the spec's. */
export interface SpecOverrides {
  source?: string;
  bucket?: string;
  prefix?: string;
  region?: string;
  endpoint?: string;
  pathStyle?: boolean;
  delete?: boolean;
  allowEmptySource?: boolean;
  /** A number of keys, or a share of the listed keys such as `"25%"` (the schema checks it). */
  maxDelete?: number | string;
  concurrency?: number;
  /** Pins the credentials source (`auto`, `spec`, `env`, `web-identity`, `profile`, `default`). */
  credentials?: string;
  /** Role for web identity (OIDC); the GitHub Action's `role-to-assume`. */
  roleArn?: string;
  /** Audience of the web identity token; the GitHub Action's `audience`. */
  audience?: string;
}

/** Each override, the spec key it replaces and the flag named in problems about it. */
export const OVERRIDE_FLAGS: Readonly<
  Record<keyof SpecOverrides, { path: SpecPath; flag: string }>
> = {
  source: { path: ['source'], flag: '--source' },
  bucket: { path: ['target', 'bucket'], flag: '--bucket' },
  prefix: { path: ['target', 'prefix'], flag: '--prefix' },
  region: { path: ['target', 'region'], flag: '--region' },
  endpoint: { path: ['target', 'endpoint'], flag: '--endpoint' },
  pathStyle: { path: ['target', 'path_style'], flag: '--path-style' },
  delete: { path: ['delete'], flag: '--delete' },
  allowEmptySource: { path: ['allow_empty_source'], flag: '--allow-empty-source' },
  maxDelete: { path: ['max_delete'], flag: '--max-delete' },
  concurrency: { path: ['concurrency'], flag: '--concurrency' },
  credentials: { path: ['credentials', 'source'], flag: '--credentials' },
  roleArn: { path: ['credentials', 'web_identity', 'role_arn'], flag: '--role-arn' },
  audience: { path: ['credentials', 'web_identity', 'audience'], flag: '--audience' },
};

/**
 * `raw` with every given override set at its key, and the dotted paths that were set. A spec
 * that is not a mapping is left as is: its problem is reported, flags cannot repair it.
 */
export function applyOverrides(
  raw: unknown,
  overrides: SpecOverrides,
): { merged: unknown; given: Set<string> } {
  const given = new Set<string>();
  let merged = raw;
  if (!isRecord(raw)) return { merged, given };
  for (const [option, { path }] of Object.entries(OVERRIDE_FLAGS)) {
    if (overrides[option as keyof SpecOverrides] === undefined) continue;
    merged = setAt(merged, path, overrides[option as keyof SpecOverrides]);
    given.add(formatPath(path));
  }
  return { merged, given };
}

/** The flag that sets the value at a dotted path, and whether it was given. */
export function flagAt(
  dotted: string,
  given: ReadonlySet<string>,
): { flag: string; given: boolean } | undefined {
  const entry = Object.values(OVERRIDE_FLAGS).find((o) => formatPath(o.path) === dotted);
  return entry && { flag: entry.flag, given: given.has(dotted) };
}

/** Whether dotted path `dotted` is `ancestor` or lies inside it. */
export function isUnder(dotted: string, ancestor: string): boolean {
  return (
    dotted === ancestor || dotted.startsWith(`${ancestor}.`) || dotted.startsWith(`${ancestor}[`)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `p` in a plain JS tree (own properties only), or undefined. */
export function getAt(root: unknown, p: SpecPath): unknown {
  let value = root;
  for (const step of p) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, step))
      return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}

/**
 * A copy of `root` with `value` at `p`; containers on the way are copied (yaml may share them
 * between aliases). Missing or empty (`target:`) mappings are created; a scalar in the way
 * leaves `root` as is, so the schema still reports it (e.g. `target: x` with --bucket).
 */
export function setAt(root: unknown, p: SpecPath, value: unknown): unknown {
  const [step, ...rest] = p;
  if (step === undefined) return value;
  if (root === undefined || root === null) root = typeof step === 'number' ? [] : {};
  if (typeof root !== 'object' || root === null) return root;
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...root }) as Record<
    string | number,
    unknown
  >;
  const child = Object.hasOwn(copy, step) ? copy[step] : undefined;
  if (rest.length > 0 && child != null && typeof child !== 'object') return root;
  // defineProperty, not assignment: a "__proto__" key must stay a plain own property.
  Object.defineProperty(copy, step, {
    value: setAt(child, rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}
