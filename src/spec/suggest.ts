/**
 * "Did you mean …?" for misspelt keys. The key lists are tiny, so a plain edit distance
 * is enough and saves a dependency.
 */

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("contorl"). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = Array.from({ length: rows * cols }, (_, i) =>
    i < cols ? i : i % cols === 0 ? i / cols : 0,
  );
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo: within a third
 * of the word's length (at least 1, at most 3 edits). Case, `-` vs `_` and camelCase are ignored
 * first, so `cacheControl` and `Cache-Control` both find `cache_control`.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string =>
    s
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .replace(/-/g, '_');
  const w = norm(word);
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const c = norm(candidate);
    // The length difference bounds the distance from below; skipping early keeps a huge key cheap.
    if (Math.abs(c.length - w.length) > limit) continue;
    const distance = editDistance(w, c);
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** The message for an unknown key, with a suggestion when one is close. */
export function unknownKeyMessage(key: string, valid: readonly string[]): string {
  const guess = closest(key, valid);
  if (guess) return `unknown key "${key}"; did you mean "${guess}"?`;
  const list = valid.length > 0 ? `; valid keys here: ${valid.join(', ')}` : '';
  return `unknown key "${key}"${list}`;
}
