/**
 * The GitHub job summary (`$GITHUB_STEP_SUMMARY`) as GitHub-flavoured Markdown: the target, the
 * counts, bytes and duration, then a table of the keys changed — failures first, so truncation
 * never hides one — cut to stay well under GitHub's 1 MiB per step, with a count of the rest.
 * Keys are user data: every ASCII punctuation mark is backslash-escaped (CommonMark allows it
 * for all of them), so a key like `a|<b>*c` renders as itself, never as markup or a new cell.
 */
import type { RunResult } from '../deploy.js';
import type { Outcome } from '../execute.js';
import type { PlanItem } from '../plan.js';
import type { ReportedError } from './reporter.js';
import { countsOf, formatBytes, formatCount } from './summary.js';

/** GitHub refuses a step summary over 1 MiB (and shows an error instead of it). */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;
export const SUMMARY_MAX_ROWS = 1000;

export interface SummaryOptions {
  command: 'deploy' | 'plan';
  dryRun: boolean;
  maxRows?: number;
  /** Budget for this summary (the step's file may already hold other tools' summaries). */
  maxBytes?: number;
  /** The run's warnings (e.g. new bytes under keys cached as immutable), shown above the table. */
  warnings?: readonly string[];
}

/** Warnings shown at most; the log has every one. */
const MAX_WARNINGS = 10;

/** Escapes text for a Markdown paragraph or table cell. */
export function md(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

interface Row {
  key: string;
  action: string;
  reason: string;
  size: number;
  status: string;
}

function rows(result: RunResult, dryRun: boolean): Row[] {
  const { plan } = result;
  const changing = [...plan.assets, ...plan.entries, ...plan.deletes];
  if (dryRun || !result.outcomes) return changing.map((i) => row(i, 'planned'));
  const byStatus = (status: Outcome['status']) =>
    (result.outcomes ?? []).filter((o) => o.status === status);
  const statusText = { failed: '❌ failed', 'not-run': '⏸ not run', done: '✅ done' } as const;
  return (['failed', 'not-run', 'done'] as const).flatMap((status) =>
    byStatus(status).map((o) => row(o.item, statusText[status])),
  );
}

const row = (item: PlanItem, status: string): Row => ({
  key: item.key,
  action: item.action,
  // What changed is the point of an update: `settings: cache-control a → b`.
  reason: item.action === 'update' && item.detail ? `${item.reason}: ${item.detail}` : item.reason,
  size: item.size,
  status,
});

export function summaryMarkdown(result: RunResult, options: SummaryOptions): string {
  const c = countsOf(result);
  const target = `s3://${result.target.bucket}/${result.target.prefix}`;
  const title = options.dryRun ? `s3ship plan for ${target}` : `s3ship deploy to ${target}`;
  const head: string[] = [`## ${md(title)}`, ''];
  if (result.fatal) head.push(`> **Stopped:** ${md(result.fatal)}`, '');
  else if (c.failed > 0)
    head.push(`> **${formatCount(c.failed)} operation(s) failed**; see the table below.`, '');
  head.push(
    '| Uploaded | Updated (settings) | Skipped (unchanged) | Deleted | Failed | Not run | Kept (stale) | Bytes | Duration |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${formatCount(c.uploaded)} | ${formatCount(c.updated)} | ${formatCount(c.skipped)} | ${formatCount(c.deleted)} of ${formatCount(c.deletePlanned)} | ${formatCount(c.failed)} | ${formatCount(c.notRun)} | ${formatCount(c.kept)} | ${formatBytes(c.uploadedBytes)} | ${(result.durationMs / 1000).toFixed(1)} s |`,
    '',
  );
  const warnings = options.warnings ?? [];
  for (const w of warnings.slice(0, MAX_WARNINGS)) head.push(`> **Warning:** ${md(w)}`, '');
  if (warnings.length > MAX_WARNINGS)
    head.push(`> ${formatCount(warnings.length - MAX_WARNINGS)} more warning(s) in the log.`, '');
  if (c.notOwned > 0)
    head.push(
      `${formatCount(c.notOwned)} key(s) under the prefix are not the spec's (\`exclude\`, \`include\` or \`keep\`) and were left alone.`,
      '',
    );
  const all = rows(result, options.dryRun);
  if (all.length === 0) return `${[...head, 'Nothing to change.'].join('\n')}\n`;
  return `${[...head, ...keyTable(all, head.join('\n').length, options)].join('\n')}\n`;
}

function keyTable(all: Row[], used: number, options: SummaryOptions): string[] {
  const maxRows = options.maxRows ?? SUMMARY_MAX_ROWS;
  // Room kept for the heading, the header row and the "… more" line.
  const budget = (options.maxBytes ?? SUMMARY_LIMIT_BYTES) - used - 1024;
  const lines = [
    `### ${options.dryRun ? 'Keys to change' : 'Changed keys'} (${formatCount(all.length)})`,
    '',
    '| Key | Action | Reason | Size | Status |',
    '| --- | --- | --- | ---: | --- |',
  ];
  let bytes = 0;
  let shown = 0;
  for (const r of all) {
    if (shown >= maxRows) break;
    const line = `| ${md(r.key)} | ${r.action} | ${md(r.reason)} | ${formatBytes(r.size)} | ${r.status} |`;
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > budget) break;
    lines.push(line);
    bytes += size;
    shown++;
  }
  if (shown < all.length)
    lines.push(
      '',
      `_…and ${formatCount(all.length - shown)} more key(s), not shown; the \`changed-keys-file\` output lists every changed key._`,
    );
  return lines;
}

export function summaryMarkdownForError(error: ReportedError, options: SummaryOptions): string {
  const lines = [
    `## s3ship ${options.command} failed`,
    '',
    `> **${md(error.code)}:** ${md(error.message)}`,
  ];
  if (error.details.length > 0)
    lines.push('', ...error.details.slice(0, 50).map((d) => `- ${md(d)}`));
  return `${lines.join('\n')}\n`;
}
