/**
 * The GitHub Actions adapter — the only module that imports @actions/core. In the log: a group
 * per phase. At the end: an error annotation per failed key (GitHub shows 10
 * error annotations per step, so past 10 failures the 10th summarises the rest), the job summary
 * (github-summary.ts), and the step outputs `uploaded`, `deleted`, `skipped`, `failed`, `bytes`
 * and `changed-keys-file` (a file listing every changed key, e.g. for a CDN invalidation).
 * Also the action's input reader, so that action.ts stays free of @actions/core.
 */
import * as core from '@actions/core';
import { constants, existsSync } from 'node:fs';
import { access, mkdtemp, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from '../deploy.js';
import { consoleLog, NO_SECTIONS, type Sections } from './console.js';
import { SUMMARY_LIMIT_BYTES, summaryMarkdown, summaryMarkdownForError } from './github-summary.js';
import { progressPart } from './progress.js';
import { reportFiles } from './report-files.js';
import {
  combine,
  type ReportContext,
  type ReportedError,
  type Reporter,
  type ReporterPart,
} from './reporter.js';
import { countsOf } from './summary.js';

/** GitHub displays at most this many error annotations per step. */
export const ANNOTATION_LIMIT = 10;

/** An action input as the runner passes it (`INPUT_<NAME>`), trimmed; '' when not given. */
export function actionInput(name: string): string {
  return core.getInput(name);
}

function groups(): Sections {
  let open = false;
  return {
    open: (_id, title) => {
      core.startGroup(title);
      open = true;
    },
    close: () => {
      if (open) core.endGroup();
      open = false;
    },
  };
}

export function githubReporter(ctx: ReportContext): Reporter {
  // With --json, stdout holds the JSON document only, and workflow commands go to stdout.
  // Secrets are masked where they are obtained (RunDeps.mask → ::add-mask::), before any log line.
  const commands = !ctx.json;
  const progress = progressPart(ctx);
  const log = consoleLog(ctx, progress.terminal, commands ? groups() : NO_SECTIONS);
  const files = reportFiles(ctx, ctx.files, () => log.warnings);
  return combine(
    progress,
    log,
    files,
    githubResults(ctx, commands, () => log.warnings),
  );
}

function githubResults(
  ctx: ReportContext,
  commands: boolean,
  warnings: () => readonly string[],
): ReporterPart {
  const warn = (message: string) => ctx.terminal.err(`warning: ${message}`);
  return {
    finish: async (result: RunResult) => {
      if (commands) annotateFailures(result);
      const summaryOptions = { command: ctx.command, dryRun: ctx.dryRun, warnings: warnings() };
      await writeSummary(
        ctx,
        (maxBytes) => summaryMarkdown(result, { ...summaryOptions, maxBytes }),
        warn,
      );
      const c = countsOf(result);
      const keysFile = await writeChangedKeys(ctx, changedKeys(result, ctx.dryRun), warn);
      setOutputs(
        {
          uploaded: c.uploaded,
          updated: c.updated,
          deleted: c.deleted,
          skipped: c.skipped,
          failed: c.failed,
          bytes: c.uploadedBytes,
          'changed-keys-file': keysFile,
        },
        warn,
      );
    },
    fail: async (error: ReportedError) => {
      if (commands) annotateError(error);
      await writeSummary(
        ctx,
        () => summaryMarkdownForError(error, { command: ctx.command, dryRun: ctx.dryRun }),
        warn,
      );
      const keysFile = await writeChangedKeys(ctx, [], warn);
      setOutputs(
        {
          uploaded: 0,
          updated: 0,
          deleted: 0,
          skipped: 0,
          failed: 0,
          bytes: 0,
          'changed-keys-file': keysFile,
        },
        warn,
      );
    },
  };
}

function annotateFailures(result: RunResult): void {
  const failed = (result.outcomes ?? []).filter((o) => o.status === 'failed');
  const room = failed.length > ANNOTATION_LIMIT ? ANNOTATION_LIMIT - 1 : ANNOTATION_LIMIT;
  for (const o of failed.slice(0, room))
    core.error(o.message ?? `${o.item.action} of ${o.item.key} failed`, {
      title: `s3ship: ${o.item.action} of ${o.item.key} failed`,
    });
  if (failed.length > room)
    core.error(
      `${failed.length - room} more key(s) failed; the job summary lists every failed key.`,
      { title: `s3ship: ${failed.length} keys failed` },
    );
}

function annotateError(error: ReportedError): void {
  if (error.problems.length === 0) {
    core.error(error.message, { title: `s3ship: ${error.code}` });
    return;
  }
  const room = error.problems.length > ANNOTATION_LIMIT ? ANNOTATION_LIMIT - 1 : ANNOTATION_LIMIT;
  for (const p of error.problems.slice(0, room)) {
    core.error(`${p.path ? `${p.path}: ` : ''}${p.message}`, {
      title: 's3ship: invalid spec',
      ...(p.line > 0 ? { file: p.file, startLine: p.line, startColumn: p.column } : {}),
    });
  }
  if (error.problems.length > room)
    core.error(`${error.problems.length - room} more problem(s) in the spec; see the log.`, {
      title: 's3ship: invalid spec',
    });
}

/** Keys uploaded, updated or deleted (for a dry run: those that would be). */
export function changedKeys(result: RunResult, dryRun: boolean): string[] {
  if (dryRun || !result.outcomes)
    return [...result.plan.assets, ...result.plan.entries, ...result.plan.deletes].map(
      (i) => i.key,
    );
  return result.outcomes.filter((o) => o.status === 'done').map((o) => o.item.key);
}

async function writeSummary(
  ctx: ReportContext,
  render: (maxBytes: number) => string,
  warn: (message: string) => void,
): Promise<void> {
  const file = ctx.env.GITHUB_STEP_SUMMARY;
  if (!file) {
    warn('GITHUB_STEP_SUMMARY is not set, so there is no job summary (not on a GitHub runner?).');
    return;
  }
  try {
    // @actions/core's own message drops the errno; check first so the hint can name it.
    await access(file, constants.W_OK);
    const existing = (await stat(file).catch(() => undefined))?.size ?? 0;
    await core.summary.addRaw(render(SUMMARY_LIMIT_BYTES - existing), true).write();
  } catch (error) {
    core.summary.emptyBuffer();
    warn(
      `could not write the job summary to ${file}: ${(error as Error).message}${permissionHint(error)}`,
    );
  }
}

/**
 * The changed keys, one per line. In RUNNER_TEMP when it exists (cleaned after the job); in a
 * container step it does not (only the workspace is shared with the host), so the file goes to
 * the working directory and the output is a path relative to it, valid in the later steps.
 */
async function writeChangedKeys(
  ctx: ReportContext,
  keys: string[],
  warn: (message: string) => void,
): Promise<string> {
  const runnerTemp = ctx.env.RUNNER_TEMP;
  const inTemp = runnerTemp !== undefined && runnerTemp !== '' && existsSync(runnerTemp);
  const name = 's3ship-changed-keys.txt';
  try {
    const file = inTemp
      ? path.join(await mkdtemp(path.join(runnerTemp, 's3ship-')), name)
      : path.join(ctx.cwd, name);
    await writeFile(file, keys.map((k) => `${k}\n`).join(''));
    return inTemp ? file : name;
  } catch (error) {
    warn(
      `could not write the changed-keys file: ${(error as Error).message}${permissionHint(error)}`,
    );
    return '';
  }
}

function setOutputs(outputs: Record<string, string | number>, warn: (m: string) => void): void {
  try {
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, String(value));
  } catch (error) {
    warn(`could not set the step outputs: ${(error as Error).message}${permissionHint(error)}`);
  }
}

/** GitHub runs container steps as the image's user; its files belong to the runner's user. */
function permissionHint(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM'
    ? ` — this process (uid ${process.getuid?.() ?? '?'}) may not write the runner's files; GitHub runs a container step as the image's user: use the JavaScript action (uses: …/s3ship@v1), or the image as a job container with options: --user <the runner's uid>.`
    : '';
}
