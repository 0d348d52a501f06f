/**
 * Reporting is an interface: the engine emits typed events (events.ts) and ends with a result
 * or an error; one adapter per CI system turns them into that CI's own log format as they come
 * and, at the end, writes what that CI reads (job summary and outputs, JUnit XML, dotenv, a JSON
 * report). Adapters are assembled from small parts (log, progress, files) with `combine`.
 */
import type { RunResult } from '../deploy.js';
import type { EventSink } from '../events.js';
import { S3shipError, SpecError, type SpecProblem } from '../errors.js';

export const REPORT_KINDS = ['github', 'gitlab', 'jenkins', 'plain'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The CI system this process runs in, from the variables each one sets for every job:
 * GitHub Actions `GITHUB_ACTIONS=true`, GitLab CI `GITLAB_CI=true`, Jenkins `JENKINS_URL`
 * (plus `BUILD_NUMBER`/`JOB_NAME`/`EXECUTOR_NUMBER` for agents without a configured URL).
 */
export function detectReportKind(env: Env): ReportKind {
  if (env.GITHUB_ACTIONS === 'true') return 'github';
  if (env.GITLAB_CI === 'true') return 'gitlab';
  if (env.JENKINS_URL || (env.BUILD_NUMBER && env.JOB_NAME && env.EXECUTOR_NUMBER))
    return 'jenkins';
  return 'plain';
}

/** Where the two output streams go; `tty` decides between a live bar and periodic lines. */
export interface Terminal {
  /** A line on stdout (the log; the JSON document with `--json`). */
  out: (line: string) => void;
  /** A line on stderr (warnings, errors, progress). */
  err: (line: string) => void;
  /** Raw text on stderr, for redrawing a progress bar in place. */
  errRaw: (text: string) => void;
  /** stderr is a terminal: draw a live progress bar, colour the log. */
  tty: boolean;
  /** stdout is a terminal too: log lines must clear the bar before they are written. */
  outTty: boolean;
  /** Width of the terminal, so the bar never wraps (a wrapped bar cannot be redrawn). */
  columns?: number;
  /** Colour the log (a terminal, and NO_COLOR unset). */
  color: boolean;
}

/** Report files to write; paths are absolute or relative to the working directory. */
export interface ReportFiles {
  junit?: string;
  dotenv?: string;
  json?: string;
}

export interface ReportContext {
  command: 'deploy' | 'plan';
  dryRun: boolean;
  /** `--json`: stdout carries one JSON document and nothing else. */
  json: boolean;
  terminal: Terminal;
  /** Files asked for on the command line (adapters add their CI's defaults). */
  files: ReportFiles;
  /** The CI's variables (GITHUB_*, RUNNER_TEMP, CI_*); never read for secrets except to mask them. */
  env: Env;
  cwd: string;
  /** Seconds between progress lines when stderr is not a terminal; 0 turns them off. */
  progressIntervalSeconds: number;
  now?: () => number;
}

export interface Reporter {
  /** Every engine event, as it happens. */
  readonly sink: EventSink;
  /** The run produced a result (possibly with failures): closing lines and the CI's files. */
  finish(result: RunResult): Promise<void>;
  /** The run stopped before a result (spec, usage, credentials, listing refused). */
  fail(error: unknown): Promise<void>;
}

/** One piece of a reporter; every hook is optional. */
export interface ReporterPart {
  sink?: EventSink;
  finish?(result: RunResult): Promise<void> | void;
  fail?(error: ReportedError): Promise<void> | void;
}

/** An error that ended a run early, as reporters show it. */
export interface ReportedError {
  /** Stable code (SPEC_INVALID, CREDENTIALS, …) or UNEXPECTED. */
  code: string;
  message: string;
  details: readonly string[];
  /** Spec problems with positions, for annotations. */
  problems: readonly SpecProblem[];
}

export function reportedError(error: unknown): ReportedError {
  if (error instanceof S3shipError) {
    return {
      code: error.code,
      message: error.message,
      details: error.details,
      problems: error instanceof SpecError ? error.problems : [],
    };
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    code: 'UNEXPECTED',
    message: `unexpected failure, please report it: ${text}`,
    details: [],
    problems: [],
  };
}

/** A reporter that hands every event and the ending to each part, in order. */
export function combine(...parts: ReporterPart[]): Reporter {
  return {
    sink: (event) => {
      for (const part of parts) part.sink?.(event);
    },
    finish: async (result) => {
      for (const part of parts) await part.finish?.(result);
    },
    fail: async (error) => {
      const reported = reportedError(error);
      for (const part of parts) await part.fail?.(reported);
    },
  };
}
