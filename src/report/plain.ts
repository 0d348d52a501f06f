/** Anywhere else (a terminal, another CI): the plain log, and report files only when asked. */
import { consoleLog, NO_SECTIONS, plainSections } from './console.js';
import { progressPart } from './progress.js';
import { reportFiles } from './report-files.js';
import { combine, type ReportContext, type Reporter } from './reporter.js';

export function plainReporter(ctx: ReportContext): Reporter {
  const progress = progressPart(ctx);
  const sections = ctx.json ? NO_SECTIONS : plainSections(progress.terminal.out);
  const log = consoleLog(ctx, progress.terminal, sections);
  return combine(
    progress,
    log,
    reportFiles(ctx, ctx.files, () => log.warnings),
  );
}
