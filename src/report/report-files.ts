/**
 * Report files a CI picks up after the job: JUnit XML, a dotenv file, the JSON report. Written
 * whatever the outcome (a failed deploy is exactly when the JUnit report matters), each named
 * on stderr so the log says where it went. A file that cannot be written is a warning, never a
 * reason to change the deploy's exit code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResult } from '../deploy.js';
import { dotenvFromError, dotenvFromResult } from './dotenv.js';
import { junitFromError, junitFromResult, type JunitOptions } from './junit.js';
import type { ReportContext, ReportedError, ReporterPart, ReportFiles } from './reporter.js';
import { jsonReport } from './summary.js';

export function reportFiles(
  ctx: ReportContext,
  files: ReportFiles,
  warnings: () => string[],
): ReporterPart {
  const now = ctx.now ?? Date.now;
  const junitOptions = (): JunitOptions => ({
    command: ctx.command,
    dryRun: ctx.dryRun,
    timestamp: new Date(now()),
    hostname: os.hostname(),
  });
  const write = async (file: string, text: string, what: string) => {
    const target = path.resolve(ctx.cwd, file);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text);
      ctx.terminal.err(`${what}: ${file}`);
    } catch (error) {
      ctx.terminal.err(
        `warning: could not write the ${what} to ${target}: ${(error as Error).message} — check that the directory is writable by this user (uid ${process.getuid?.() ?? '?'}).`,
      );
    }
  };

  return {
    finish: async (result: RunResult) => {
      if (files.junit) {
        const report = junitFromResult(result, junitOptions());
        await write(
          files.junit,
          report.xml,
          `JUnit report (${report.tests} case(s), ${report.failures} failed)`,
        );
      }
      if (files.dotenv)
        await write(files.dotenv, dotenvFromResult(result, ctx.dryRun), 'dotenv report');
      if (files.json) {
        const doc = jsonReport(result, ctx.command, ctx.dryRun, warnings());
        await write(files.json, `${JSON.stringify(doc, null, 2)}\n`, 'JSON report');
      }
    },
    fail: async (error: ReportedError) => {
      if (files.junit)
        await write(
          files.junit,
          junitFromError(error, junitOptions()).xml,
          'JUnit report (failed)',
        );
      if (files.dotenv) await write(files.dotenv, dotenvFromError(error), 'dotenv report');
      if (files.json) {
        const doc = {
          command: ctx.command,
          dryRun: ctx.dryRun,
          error: { code: error.code, message: error.message, details: error.details },
          warnings: warnings(),
        };
        await write(files.json, `${JSON.stringify(doc, null, 2)}\n`, 'JSON report');
      }
    },
  };
}
