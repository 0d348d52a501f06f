/**
 * The Jenkins adapter: a plain log (no ANSI codes unless stderr is a terminal; a Jenkins console
 * is not), a JUnit report for the `junit` step and the JSON report for `archiveArtifacts` (by
 * default `s3ship-junit.xml` and `s3ship-report.json` in the working directory, the workspace).
 */
import { consoleLog, NO_SECTIONS, plainSections } from './console.js';
import { progressPart } from './progress.js';
import { reportFiles } from './report-files.js';
import { combine, type ReportContext, type Reporter } from './reporter.js';

export const JENKINS_DEFAULT_FILES = {
  junit: 's3ship-junit.xml',
  json: 's3ship-report.json',
} as const;

export function jenkinsReporter(ctx: ReportContext): Reporter {
  const progress = progressPart(ctx);
  const sections = ctx.json ? NO_SECTIONS : plainSections(progress.terminal.out);
  const log = consoleLog(ctx, progress.terminal, sections);
  const files = reportFiles(ctx, { ...JENKINS_DEFAULT_FILES, ...ctx.files }, () => log.warnings);
  return combine(progress, log, files);
}
