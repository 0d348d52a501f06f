/**
 * The error family. Every error a user can meet is one of these, with a stable code;
 * each entry point has one boundary that turns them into an exit code and one line.
 *
 * Exit codes (documented in the README):
 *   0 done · 1 some operations failed · 2 bad spec or usage, or a guard refused the plan
 *   (an empty source with deletes on, immutable objects changed) · 3 credentials or access refused
 */

export type ErrorCode =
  | 'SPEC_INVALID'
  | 'USAGE'
  | 'SOURCE_INVALID'
  /** `immutable_changes: error` and the plan gives new bytes to keys cached as immutable. */
  | 'IMMUTABLE_CHANGED'
  | 'CREDENTIALS'
  | 'ACCESS_DENIED'
  | 'BUCKET_MISSING'
  | 'S3_ERROR'
  | 'OPERATIONS_FAILED'
  | 'INTERRUPTED';

export type ExitCode = 0 | 1 | 2 | 3 | 130;

const EXIT_BY_CODE: Record<ErrorCode, ExitCode> = {
  SPEC_INVALID: 2,
  USAGE: 2,
  SOURCE_INVALID: 2,
  IMMUTABLE_CHANGED: 2,
  CREDENTIALS: 3,
  ACCESS_DENIED: 3,
  BUCKET_MISSING: 1,
  S3_ERROR: 1,
  OPERATIONS_FAILED: 1,
  INTERRUPTED: 130,
};

export class S3shipError extends Error {
  override readonly name = 'S3shipError';
  readonly code: ErrorCode;
  /** Extra lines printed under the message (e.g. every problem of a spec). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options?: { details?: string[]; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details ?? [];
  }

  get exitCode(): ExitCode {
    return EXIT_BY_CODE[this.code];
  }
}

/** A problem found in a spec: where it is and what was expected. */
export interface SpecProblem {
  /** File path (or '<flags>' for command-line values). */
  file: string;
  line: number;
  column: number;
  /** Dotted key path, e.g. `rules[2].cache_control`. */
  path: string;
  message: string;
}

export function formatSpecProblem(p: SpecProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export class SpecError extends S3shipError {
  readonly problems: readonly SpecProblem[];
  constructor(problems: SpecProblem[]) {
    const n = problems.length;
    super(
      'SPEC_INVALID',
      `The deploy spec has ${n} problem${n === 1 ? '' : 's'}; nothing was sent.`,
      {
        details: problems.map(formatSpecProblem),
      },
    );
    this.problems = problems;
  }
}
