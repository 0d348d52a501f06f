/**
 * Checks between the plan and its execution: each one stops a run that is almost surely a
 * mistake before anything is sent, with one line naming what it found and the way through.
 */
import { S3shipError } from './errors.js';
import type { Plan, PlanItem } from './plan.js';

export interface GuardInput {
  /** The resolved source directory. */
  source: string;
  /** Files the scan found after include/exclude. */
  files: number;
  /** This run would delete stale keys (deletes on and not a shard job, or `prune`). */
  deletes: boolean;
  /** `--allow-empty-source` / `allow_empty_source`: an empty source is meant. */
  allowEmptySource: boolean;
  immutableChanges: 'warn' | 'error';
  /** `s3://bucket/prefix/`, for the messages. */
  target: string;
}

/** The error that stops the run before anything is sent, or the warnings to emit. */
export function guardPlan(
  plan: Plan,
  input: GuardInput,
): { stop: S3shipError | undefined; warnings: string[] } {
  const changed = immutableChanges(plan);
  const stop =
    emptySourceError(input, plan) ??
    (changed.length > 0 && input.immutableChanges === 'error'
      ? immutableError(changed)
      : undefined);
  return { stop, warnings: !stop && changed.length > 0 ? [immutableWarning(changed)] : [] };
}

/**
 * A build that silently wrote nothing, deployed with deletes on, would make every key stale:
 * only max_delete would stand between a small site and an empty bucket. An empty source with
 * deletes on is refused unless it is meant.
 */
function emptySourceError(check: GuardInput, plan: Plan): S3shipError | undefined {
  if (check.files > 0 || !check.deletes || check.allowEmptySource) return undefined;
  const stale =
    plan.deletes.length +
    plan.others.filter((i) => i.reason === 'over-max-delete' || i.reason === 'delete-off').length;
  return new S3shipError(
    'SOURCE_INVALID',
    `Source ${check.source} has no files after include/exclude, and deletes are on: all ${stale} key(s) s3ship owns under ${check.target} would be stale — nothing was sent. Check that the build wrote its output there, or pass --allow-empty-source (spec: allow_empty_source: true) to deploy an empty source on purpose.`,
  );
}

/** Keys named in a one-line message at most; the reports list every one. */
const NAMED = 5;

/** `a, b, c, d, e and 7 more`: keys for a one-line message. */
export function namedKeys(keys: readonly string[]): string {
  const more = keys.length - NAMED;
  return `${keys.slice(0, NAMED).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

const keyList = (items: readonly PlanItem[]) => namedKeys(items.map((i) => i.key));

/** Uploads that give new bytes to a key whose Cache-Control says immutable (immutable.ts). */
export function immutableChanges(plan: Plan): PlanItem[] {
  return [...plan.assets, ...plan.entries].filter((i) => i.warning !== undefined);
}

/** The warning a run emits for them (`immutable_changes: warn`). */
function immutableWarning(changed: readonly PlanItem[]): string {
  return `${changed.length} key(s) whose Cache-Control says immutable get new bytes: ${keyList(changed)} — browsers and CDNs may keep serving the old bytes until max-age runs out (often a year). Give changed files new names (a content hash), or set immutable_changes: error to stop such deploys.`;
}

/** The error that stops the run before anything is uploaded (`immutable_changes: error`). */
function immutableError(changed: readonly PlanItem[]): S3shipError {
  return new S3shipError(
    'IMMUTABLE_CHANGED',
    `${changed.length} key(s) whose Cache-Control says immutable would get new bytes: ${keyList(changed)} — browsers and CDNs may keep serving the old bytes until max-age runs out (often a year); nothing was uploaded. Give changed files new names (a content hash), or set immutable_changes: warn to deploy anyway.`,
  );
}
