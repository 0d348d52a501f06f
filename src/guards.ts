/**
 * Checks between the plan and its execution: each one stops a run that is almost surely a
 * mistake before anything is sent, with one line naming what it found and the way through.
 */
import { S3shipError } from './errors.js';
import type { Plan } from './plan.js';

export interface EmptySourceCheck {
  /** The resolved source directory. */
  source: string;
  /** Files the scan found after include/exclude. */
  files: number;
  /** This run would delete stale keys (deletes on and not a shard job, or `prune`). */
  deletes: boolean;
  /** `--allow-empty-source` / `allow_empty_source`: an empty source is meant. */
  allowed: boolean;
  /** `s3://bucket/prefix/`, for the message. */
  target: string;
}

/**
 * A build that silently wrote nothing, deployed with deletes on, would make every key stale:
 * only max_delete would stand between a small site and an empty bucket. An empty source with
 * deletes on is refused unless it is meant.
 */
export function emptySourceError(check: EmptySourceCheck, plan: Plan): S3shipError | undefined {
  if (check.files > 0 || !check.deletes || check.allowed) return undefined;
  const stale =
    plan.deletes.length +
    plan.others.filter((i) => i.reason === 'over-max-delete' || i.reason === 'delete-off').length;
  return new S3shipError(
    'SOURCE_INVALID',
    `Source ${check.source} has no files after include/exclude, and deletes are on: all ${stale} key(s) s3ship owns under ${check.target} would be stale — nothing was sent. Check that the build wrote its output there, or pass --allow-empty-source (spec: allow_empty_source: true) to deploy an empty source on purpose.`,
  );
}
