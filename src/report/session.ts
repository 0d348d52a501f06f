/**
 * One reported run, the same for the CLI and the GitHub Action: load the config, run the deploy
 * with the reporter listening, hand the reporter the result or the error that ended it, and turn
 * that into an exit code. Errors before a result (bad spec or input, credentials, a listing
 * refused) reach the reporter too, so a failed job still gets its annotation or JUnit report.
 */
import type { DeployConfig } from '../config.js';
import { run, type RunDeps, type RunOptions, type RunResult } from '../deploy.js';
import { S3shipError, type ExitCode } from '../errors.js';
import type { Reporter } from './reporter.js';
import { countsOf } from './summary.js';

export interface SessionInput {
  /** Builds the config (inputs → spec → validation); its errors are reported like any other. */
  load: () => Promise<DeployConfig>;
  options: Omit<RunOptions, 'config'>;
}

export async function reportedRun(
  input: SessionInput,
  reporter: Reporter,
  deps: Omit<RunDeps, 'emit'>,
): Promise<ExitCode> {
  let result: RunResult;
  try {
    const config = await input.load();
    result = await run({ ...input.options, config }, { ...deps, emit: reporter.sink });
  } catch (error) {
    await reporter.fail(error);
    if (deps.signal?.aborted) return 130;
    return error instanceof S3shipError ? error.exitCode : 1;
  }
  await reporter.finish(result);
  if (deps.signal?.aborted) return 130;
  return exitCodeOf(result);
}

/** 0 when everything planned was done; the fatal error's code; else 1 for failed keys. */
export function exitCodeOf(result: RunResult): ExitCode {
  if (result.fatalCode) return new S3shipError(result.fatalCode, '').exitCode;
  const counts = countsOf(result);
  return counts.failed > 0 || counts.notRun > 0 ? 1 : 0;
}
