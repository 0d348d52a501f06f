/**
 * Key ranges of a listing that can be listed at the same time. A listing is a chain of
 * requests (each page names the next), so one chain lists 1,000 keys per round trip however
 * many cores and sockets are free. Once the scan knows the local keys, the keys the store
 * probably holds are known too: cut the key space at every `perRange`-th local key and list
 * each range with its own chain (`start-after` its lower bound, stop past its upper bound).
 *
 * Ranges are half-open on the left: range i holds the keys k with bounds[i] < k ≤ bounds[i+1]
 * (no lower bound for the first, no upper bound for the last), so every key belongs to
 * exactly one. Comparisons are in the store's order: S3 lists keys in UTF-8 byte order, which
 * JavaScript's `<` (UTF-16 code units) matches except where a character above U+FFFF meets
 * one in U+E000–U+FFFF.
 */

/** Compares two keys in UTF-8 byte order (the order S3 lists them in). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (an astral character, 4 UTF-8 bytes starting 0xF0) sorts after every BMP
    // character in UTF-8, but before U+E000–U+FFFF in UTF-16: move U+E000–U+FFFF down below
    // the surrogates and the surrogates above them (the usual fix-up; order within each kept).
    return fixUp(x) - fixUp(y);
  }
  return a.length - b.length;
}

function fixUp(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/**
 * The cut points for listing `keys` (the local keys, sorted) in ranges of about `perRange`
 * keys, at most `maxRanges` ranges, all above `after` (keys up to `after` are already being
 * listed by the chain that started before the scan ended). Returns strictly increasing keys
 * in UTF-8 order; none means one range is enough.
 */
export function cutPoints(
  keys: readonly string[],
  perRange: number,
  maxRanges: number,
  after?: string,
): string[] {
  let start = 0;
  if (after !== undefined)
    while (start < keys.length && compareKeys(keys[start]!, after) <= 0) start++;
  const remaining = keys.length - start;
  const ranges = Math.min(maxRanges, Math.ceil(remaining / perRange));
  if (ranges <= 1) return [];
  const step = remaining / ranges;
  const cuts: string[] = [];
  for (let r = 1; r < ranges; r++) cuts.push(keys[start + Math.floor(r * step) - 1]!);
  // The scan sorts by UTF-16 code units: put the few cut points in the store's order.
  cuts.sort(compareKeys);
  return cuts.filter(
    (k, i) =>
      (i === 0 || compareKeys(cuts[i - 1]!, k) < 0) &&
      (after === undefined || compareKeys(after, k) < 0),
  );
}
