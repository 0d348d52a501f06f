/**
 * `max_delete`: how many stale keys one run may delete — a number of keys, or a share of the
 * keys listed under the prefix (`"25%"`), so that the cap scales with the site. When more keys
 * are stale than the cap allows, none is deleted (plan.ts: `over-max-delete`).
 */

/** A number of keys, or a percentage (0–100) of the keys listed under the prefix. */
export type DeleteCap = number | { percent: number };

/**
 * How the spec, `--max-delete` and the Action's `max-delete` may write a cap as a string: whole
 * keys (the digits a `${VAR}` or a flag gives) or a percentage.
 */
export const DELETE_CAP_PATTERN = '^\\s*([0-9]+|[0-9]+(\\.[0-9]+)?\\s*%)\\s*$';

const DELETE_CAP_RE = new RegExp(DELETE_CAP_PATTERN);

/**
 * The cap a spec value stands for: an integer of keys, `"25%"`, or the digits of a `${VAR}` or
 * flag (`"10"`). Undefined when the value is none of these or the share is above 100%.
 */
export function parseDeleteCap(value: number | string): DeleteCap | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (!DELETE_CAP_RE.test(value)) return undefined;
  const number = Number.parseFloat(value);
  if (!value.includes('%')) return Number.isSafeInteger(number) ? number : undefined;
  return number <= 100 ? { percent: number } : undefined;
}

/**
 * A cap given as text (`--max-delete`, the Action's `max-delete`) in the form the spec takes:
 * digits as a number, a share as its string (whose range the schema checks, naming the flag);
 * undefined when it is neither.
 */
export function deleteCapText(text: string): number | string | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  return /^\d+(\.\d+)?%$/.test(text) ? text : undefined;
}

/** The spelling the spec uses: `256`, `"50%"`. */
export function formatDeleteCap(cap: DeleteCap): number | string {
  return typeof cap === 'number' ? cap : `${cap.percent}%`;
}

/**
 * Keys a run may delete when `listed` keys are under the prefix. A share is rounded down: "at
 * most 25%" must never allow more than a quarter of the site.
 */
export function deleteLimit(cap: DeleteCap, listed: number): number {
  return typeof cap === 'number' ? cap : Math.floor((cap.percent * listed) / 100);
}

/** `max_delete 25% of 20 keys = 5`, or `max_delete 10`: the cap as a plan detail states it. */
export function describeCap(cap: DeleteCap, listed: number): string {
  if (typeof cap === 'number') return `max_delete ${cap}`;
  return `max_delete ${cap.percent}% of ${listed} key${listed === 1 ? '' : 's'} = ${deleteLimit(cap, listed)}`;
}
