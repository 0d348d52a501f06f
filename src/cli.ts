#!/usr/bin/env node
/**
 * The CLI entry point, kept thin: argv → options, one call to run(), result → output and an
 * exit code. The only file (with the action's) that reads process.argv and process.env.
 */
import { parseCliArgs, HELP, type CliOptions } from './args.js';
import { debugLeak, githubMasker } from './credentials/mask.js';
import { S3shipError, type ExitCode } from './errors.js';
import { createReporter } from './report/create.js';
import { detectReportKind } from './report/reporter.js';
import { reportedRun } from './report/session.js';
import { errText, outLine } from './report/stdout-lines.js';
import { processTerminal } from './report/terminal.js';
import { takeScanner } from './scan-thread.js';
import { loadConfig } from './spec/load.js';
import { VERSION } from './version.js';

const out = outLine;
const err = (line: string) => errText(`${line}\n`);

async function main(argv: string[]): Promise<ExitCode> {
  const options = parseCliArgs(argv);
  switch (options.command) {
    case 'help':
      out(HELP);
      return 0;
    case 'version':
      out(VERSION);
      return 0;
    case 'schema': {
      // On demand: zod's JSON Schema conversion is of no use to any other command.
      const { renderSpecReference, specJsonSchema } = await import('./spec/reference.js');
      out(options.markdown ? renderSpecReference() : JSON.stringify(specJsonSchema(), null, 2));
      return 0;
    }
    case 'doctor':
      // Loaded on demand: both pull in the AWS SDK's S3 client, which deploys do without.
      return (await import('./doctor/command.js')).doctorCommand(await loadFor(options), {
        env: process.env,
        out,
        err,
        json: options.json,
        clockOffsetMs: clockOffsetMs(),
      });
    case 'presign':
      return (await import('./presign-command.js')).presignCommand(
        await loadFor(options),
        options.presign,
        {
          env: process.env,
          out,
          err,
          clockOffsetMs: clockOffsetMs(),
        },
      );
    default:
      return deployOrPlan(options);
  }
}

function loadFor(options: CliOptions) {
  return loadConfig({
    ...(options.specFile ? { specFile: options.specFile } : {}),
    overrides: options.overrides,
    env: process.env,
    cwd: process.cwd(),
  });
}

/** Hidden knob: skews the signing clock, so tests can provoke RequestTimeTooSkewed for real. */
function clockOffsetMs(): number {
  const value = Number(process.env.S3SHIP_CLOCK_OFFSET_MS ?? 0);
  return Number.isFinite(value) ? value : 0;
}

async function deployOrPlan(options: CliOptions): Promise<ExitCode> {
  const env = process.env;
  const reporter = await createReporter(options.report.kind ?? detectReportKind(env), {
    command: options.command === 'plan' ? 'plan' : 'deploy',
    dryRun: options.dryRun,
    json: options.json,
    terminal: processTerminal(env),
    files: options.report.files,
    env,
    cwd: process.cwd(),
    progressIntervalSeconds: progressInterval(env),
  });
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    err(`${signal}: stopping — no new uploads start; multipart uploads in flight are aborted.`);
    interrupt.abort(new S3shipError('INTERRUPTED', `Interrupted by ${signal}`));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const leak = debugLeak(env.NODE_DEBUG);
  if (leak) err(`warning: ${leak}`);
  return reportedRun(
    {
      load: () => loadFor(options),
      options: {
        dryRun: options.dryRun,
        force: options.force,
        ...(options.shard ? { shard: options.shard } : {}),
        ...(options.command === 'prune' ? { prune: true } : {}),
      },
    },
    reporter,
    {
      env,
      signal: interrupt.signal,
      // --json owns stdout; the runner reads workflow commands from stderr too
      mask: githubMasker(env, options.json ? err : out),
      clockOffsetMs: clockOffsetMs(),
      scanner: takeScanner(),
    },
  );
}

/** Seconds between progress lines in CI logs (S3SHIP_PROGRESS_INTERVAL; 0 turns them off). */
function progressInterval(env: NodeJS.ProcessEnv): number {
  const value = Number(env.S3SHIP_PROGRESS_INTERVAL ?? 5);
  return Number.isFinite(value) && value >= 0 ? value : 5;
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
