#!/usr/bin/env node
/**
 * The CLI entry point, kept thin: argv → options, one call to run(), result → output and an
 * exit code. The only file (with the action's) that reads process.argv and process.env.
 */
import { parseCliArgs, HELP, type CliOptions } from './args.js';
import { run, type RunResult } from './deploy.js';
import { S3shipError, type ExitCode } from './errors.js';
import { consoleReporter } from './report/console.js';
import { planLines } from './report/plan-text.js';
import { countsOf, jsonReport, summaryLine } from './report/summary.js';
import { loadConfig } from './spec/load.js';
import { VERSION } from './version.js';
import { renderSpecReference, specJsonSchema } from './spec/reference.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<ExitCode> {
  const options = parseCliArgs(argv);
  switch (options.command) {
    case 'help':
      out(HELP);
      return 0;
    case 'version':
      out(VERSION);
      return 0;
    case 'schema':
      out(options.markdown ? renderSpecReference() : JSON.stringify(specJsonSchema(), null, 2));
      return 0;
    default:
      return deployOrPlan(options);
  }
}

async function deployOrPlan(options: CliOptions): Promise<ExitCode> {
  const env = process.env;
  const config = await loadConfig({
    ...(options.specFile ? { specFile: options.specFile } : {}),
    overrides: options.overrides,
    env,
    cwd: process.cwd(),
  });
  const reporter = consoleReporter({ out, err }, { json: options.json });
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    err(`${signal}: stopping — no new uploads start; multipart uploads in flight are aborted.`);
    interrupt.abort(new S3shipError('INTERRUPTED', `Interrupted by ${signal}`));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const result = await run(
    { config, dryRun: options.dryRun, force: options.force },
    { env, emit: reporter.sink, signal: interrupt.signal },
  );
  report(result, options, reporter.warnings);
  if (interrupt.signal.aborted) return 130;
  return exitCodeOf(result);
}

function report(result: RunResult, options: CliOptions, warnings: string[]): void {
  if (options.json) {
    out(JSON.stringify(jsonReport(result, options.command, options.dryRun, warnings), null, 2));
    return;
  }
  if (options.dryRun) planLines(result.plan).forEach((l) => out(l));
  if (result.fatal) err(`error: ${result.fatal}`);
  out(
    `${summaryLine(countsOf(result), options.dryRun)} in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
}

function exitCodeOf(result: RunResult): ExitCode {
  if (result.fatalCode) return new S3shipError(result.fatalCode, '').exitCode;
  const counts = countsOf(result);
  return counts.failed > 0 || counts.notRun > 0 ? 1 : 0;
}

/** The one error boundary: every error becomes a line (or a few) and an exit code. */
function fail(error: unknown): ExitCode {
  if (error instanceof S3shipError) {
    err(`error: ${error.message}`);
    error.details.forEach((d) => err(`  ${d}`));
    return error.exitCode;
  }
  err(
    `error: unexpected failure, please report it: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = fail(error);
  },
);
