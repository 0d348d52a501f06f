/**
 * The GitLab CI adapter: collapsible log sections (the `section_start`/`section_end` markers
 * GitLab's log viewer folds), a JUnit report for `artifacts:reports:junit` and a dotenv report
 * for `artifacts:reports:dotenv` (by default `s3ship-junit.xml` and `s3ship.env` in the working
 * directory, which is the project directory in a job).
 * https://docs.gitlab.com/ci/jobs/job_logs/#custom-collapsible-sections
 */
import { consoleLog, NO_SECTIONS, type Sections } from './console.js';
import { progressPart } from './progress.js';
import { reportFiles } from './report-files.js';
import { combine, type ReportContext, type Reporter } from './reporter.js';

export const GITLAB_DEFAULT_FILES = { junit: 's3ship-junit.xml', dotenv: 's3ship.env' } as const;

/** `\e[0K` erases what the runner's own line prefix may have left; `\r` hides the marker. */
export function gitlabSections(out: (line: string) => void, nowSeconds: () => number): Sections {
  let open: string | undefined;
  let serial = 0;
  return {
    open: (id, title) => {
      // Names: letters, digits, `_`, `.`, `-`; unique, since a phase can repeat.
      open = `s3ship_${id.replace(/[^A-Za-z0-9_.-]/g, '_')}_${++serial}`;
      out(`\x1b[0Ksection_start:${nowSeconds()}:${open}[collapsed=true]\r\x1b[0K${title}`);
    },
    close: () => {
      if (open) out(`\x1b[0Ksection_end:${nowSeconds()}:${open}\r\x1b[0K`);
      open = undefined;
    },
  };
}

export function gitlabReporter(ctx: ReportContext): Reporter {
  const now = ctx.now ?? Date.now;
  const progress = progressPart(ctx);
  const sections = ctx.json
    ? NO_SECTIONS
    : gitlabSections(progress.terminal.out, () => Math.floor(now() / 1000));
  const log = consoleLog(ctx, progress.terminal, sections);
  const files = reportFiles(ctx, { ...GITLAB_DEFAULT_FILES, ...ctx.files }, () => log.warnings);
  return combine(progress, log, files);
}
