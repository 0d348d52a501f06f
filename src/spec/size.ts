/**
 * Byte sizes as the spec writes them: an integer, or a string like `8MiB`, `512KiB`, `1.5GiB`.
 */

/**
 * The accepted size strings. KB/MB/GB/TB are read as binary (1024-based) multiples, the same as
 * the AWS CLI's `multipart_threshold`, so a value copied from its config means the same here.
 */
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*([KkMmGgTt][Ii]?)?[Bb]?$';

const SIZE_RE = new RegExp(SIZE_PATTERN);

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** Bytes of a size value, or NaN when it is not one (the schema reports those). */
export function parseSize(value: number | string): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : NaN;
  const match = SIZE_RE.exec(value.trim());
  if (!match) return NaN;
  const unit = (/[KkMmGgTt]/.exec(value)?.[0] ?? '').toLowerCase();
  const bytes = Math.round(Number.parseFloat(value) * (MULTIPLIERS[unit] ?? NaN));
  return Number.isSafeInteger(bytes) ? bytes : NaN;
}

/** The shortest exact spelling of a byte count: `8MiB`, `1536KiB`, `1000`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', GiB],
    ['MiB', MiB],
    ['KiB', KiB],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
