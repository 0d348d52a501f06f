/**
 * Durations as the spec and the flags write them: whole seconds, or a number with a unit
 * (`90s`, `15m`, `12h`, `7d`). Used for presigned URL and POST form lifetimes.
 */

export const DURATION_PATTERN = '^[0-9]+\\s*[smhd]?$';

const DURATION_RE = new RegExp(DURATION_PATTERN);

const SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** SigV4 presigned URLs and POST policies are valid for at most 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 86_400;

/** Seconds of a duration value, or NaN when it is not one. */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : NaN;
  const text = value.trim();
  if (!DURATION_RE.test(text)) return NaN;
  const unit = /[smhd]$/.exec(text)?.[0] ?? '';
  return Number.parseInt(text, 10) * (SECONDS[unit] ?? NaN);
}

/** `7d`, `12h`, `90m` or `45s`: the largest unit that divides the value. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
