/**
 * The log every adapter shares: a heading per phase (a GitHub group, a GitLab section or a plain
 * line, through `Sections`), one line per upload and delete on stdout, warnings and failures
 * on stderr, and the closing lines: the plan listing for dry runs, the fatal error and the
 * summary — or, with `--json`, one JSON document on stdout and nothing else there.
 * Colour only in a terminal (so a Jenkins or GitLab log never holds ANSI codes from us).
 */
import { styleText } from 'node:util';
import type { RunResult } from '../deploy.js';
import type { DeployEvent, Phase } from '../events.js';
import { planLines } from './plan-text.js';
import type { ReportContext, ReportedError, ReporterPart, Terminal } from './reporter.js';
import { countsOf, formatBytes, jsonReport, summaryLine } from './summary.js';

/** Collapsible parts of the log; plain logs print the title as a line. */
export interface Sections {
  open: (id: string, title: string) => void;
  /** Closes the open section, if any. */
  close: () => void;
}

export function plainSections(out: (line: string) => void): Sections {
  return { open: (_id, title) => out(title), close: () => undefined };
}

/** Sections that write nothing (stdout belongs to `--json`). */
export const NO_SECTIONS: Sections = { open: () => undefined, close: () => undefined };

export interface ConsoleLog extends ReporterPart {
  /** Warnings seen, for the JSON document. */
  warnings: string[];
}

function phaseTitle(phase: Phase, count: number | undefined): string {
  const n = count ?? 0;
  switch (phase) {
    case 'scan':
    case 'list':
      return 'Scanning the source and listing the bucket';
    case 'compare':
      return `Comparing ${n} file(s) with the bucket`;
    case 'upload-assets':
      return `Uploading ${n} asset(s); entry documents come after them`;
    case 'upload-entries':
      return `Uploading ${n} entry document(s) last`;
    case 'delete':
      return `Deleting ${n} stale key(s)`;
  }
}

export function consoleLog(ctx: ReportContext, terminal: Terminal, sections: Sections): ConsoleLog {
  const warnings: string[] = [];
  const paint = (format: 'red' | 'yellow' | 'green' | 'dim', text: string) =>
    terminal.color ? styleText(format, text, { validateStream: false }) : text;
  const say = ctx.json ? () => undefined : terminal.out;

  const sink = (event: DeployEvent) => {
    switch (event.type) {
      case 'start':
        if (!ctx.json)
          terminal.err(
            `s3ship ${event.dryRun ? 'plan' : 'deploy'}: ${event.source} → ${event.target} (credentials: ${event.credentials}; state: ${event.state})`,
          );
        break;
      case 'phase':
        sections.close();
        sections.open(event.phase, phaseTitle(event.phase, event.count));
        break;
      case 'uploaded':
        say(
          `upload  ${event.key}  (${event.reason}, ${formatBytes(event.bytes)}${event.parts > 1 ? `, ${event.parts} parts` : ''})`,
        );
        break;
      case 'updated':
        say(`update  ${event.key}  (settings: ${event.detail})`);
        break;
      case 'deleted':
        say(`delete  ${event.key}`);
        break;
      case 'failed':
        terminal.err(`${paint('red', 'error:')} ${event.message}`);
        break;
      case 'retry':
        terminal.err(
          `retry ${event.attempt}: ${event.operation} ${event.key} got ${event.code}; waiting ${event.waitMs} ms`,
        );
        break;
      case 'warning':
        warnings.push(event.message);
        terminal.err(`${paint('yellow', 'warning:')} ${event.message}`);
        break;
      case 'presigned':
        say(`link    ${event.key}  ${event.url}  (valid until ${event.expiresAt})`);
        break;
      case 'invalidated':
        say(
          `invalidated ${event.paths.length} path(s) in CloudFront distribution ${event.distributionId} (${event.invalidationId}): ${event.paths.join(' ')}`,
        );
        break;
      default:
        break;
    }
  };

  const finish = (result: RunResult) => {
    sections.close();
    if (ctx.json) {
      terminal.out(JSON.stringify(jsonReport(result, ctx.command, ctx.dryRun, warnings), null, 2));
      return;
    }
    if (ctx.dryRun) {
      const lines = planLines(result.plan);
      sections.open('plan', `Plan: ${lines.length} key(s) to change`);
      lines.forEach((l) => terminal.out(l));
      sections.close();
    }
    if (result.fatal) terminal.err(`${paint('red', 'error:')} ${result.fatal}`);
    const counts = countsOf(result);
    const ok = counts.failed === 0 && counts.notRun === 0 && !result.fatal;
    terminal.out(
      paint(
        ok ? 'green' : 'red',
        `${summaryLine(counts, ctx.dryRun)} in ${(result.durationMs / 1000).toFixed(1)} s`,
      ),
    );
  };

  const fail = (error: ReportedError) => {
    sections.close();
    terminal.err(`${paint('red', 'error:')} ${error.message}`);
    error.details.forEach((d) => terminal.err(`  ${d}`));
  };

  return { sink, finish, fail, warnings };
}
