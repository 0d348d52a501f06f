/**
 * The GitHub Action entry point (`runs.using: node24`, `main: dist/action.js`), kept thin:
 * inputs → typed options → the same reportedRun() as the CLI → the GitHub reporter's outputs,
 * job summary and annotations, and an exit code. Exports run() for @github/local-action, and
 * runs it when executed directly (as the runner does: `node dist/action.js`).
 *
 * An input left empty does not override the spec: the action's inputs have no defaults in
 * action.yml for spec keys, so the spec file (or the built-in default) decides.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { githubMasker } from './credentials/mask.js';
import { deleteCapText } from './delete-cap.js';
import { S3shipError } from './errors.js';
import { createReporter } from './report/create.js';
import { actionInput } from './report/github.js';
import { reportedRun } from './report/session.js';
import { errText, outLine } from './report/stdout-lines.js';
import { processTerminal } from './report/terminal.js';
import { startScanThread } from './scan-thread-start.js';
import { takeScanner } from './scan-thread.js';
import { loadConfig, type SpecOverrides } from './spec/load.js';

export interface ActionOptions {
  /** Absolute path of the spec file, when the `config` input names one. */
  specFile: string | undefined;
  overrides: SpecOverrides;
  dryRun: boolean;
  force: boolean;
}

/** YAML 1.2 core schema booleans, as @actions/core's getBooleanInput accepts them. */
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/**
 * Action inputs → typed options. `input` returns one input ('' when not given); relative paths
 * resolve against the workspace with `paths` (path.win32 on Windows runners, so `site\s3ship.yml`
 * and `site/s3ship.yml` both work there).
 * @throws S3shipError('USAGE') naming the input, the value and what it expects.
 */
export function actionOptions(
  input: (name: string) => string,
  workspace: string,
  paths: path.PlatformPath = path,
): ActionOptions {
  const text = (name: string) => input(name).trim() || undefined;
  const flag = (name: string): boolean | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (TRUE.includes(value)) return true;
    if (FALSE.includes(value)) return false;
    throw new S3shipError('USAGE', `input ${name} expects true or false, got "${value}".`);
  };
  const integer = (name: string): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value))
      throw new S3shipError(
        'USAGE',
        `input ${name} expects a whole number, got "${value}" — e.g. 16.`,
      );
    return Number(value);
  };
  const deleteCap = (name: string): number | string | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const cap = deleteCapText(value);
    if (cap === undefined)
      throw new S3shipError(
        'USAGE',
        `input ${name} expects a whole number of keys or a share of the keys under the prefix, got "${value}" — e.g. 100 or 25%.`,
      );
    return cap;
  };
  const config = text('config');
  const source = text('source');
  const values: { [K in keyof SpecOverrides]: SpecOverrides[K] | undefined } = {
    source: source === undefined ? undefined : paths.resolve(workspace, source),
    bucket: text('bucket'),
    prefix: text('prefix'),
    region: text('region'),
    endpoint: text('endpoint'),
    pathStyle: flag('path-style'),
    delete: flag('delete'),
    allowEmptySource: flag('allow-empty-source'),
    maxDelete: deleteCap('max-delete'),
    concurrency: integer('concurrency'),
    credentials: text('credentials'),
    roleArn: text('role-to-assume'),
    audience: text('audience'),
  };
  // exactOptionalPropertyTypes: absent, not undefined, for what was not given
  const overrides = Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined),
  ) as SpecOverrides;
  return {
    specFile: config === undefined ? undefined : paths.resolve(workspace, config),
    overrides,
    dryRun: flag('dry-run') ?? false,
    force: flag('force') ?? false,
  };
}

export async function run(): Promise<void> {
  // First: the scan thread starts up while the inputs, the spec and the credentials (often an
  // OIDC exchange) are dealt with. Where dist/scan-worker.js is not beside this module (run
  // from source), the scan runs in this thread.
  startScanThread(new URL('./scan-worker.js', import.meta.url));
  const env = process.env;
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  let options: ActionOptions | undefined;
  let inputError: unknown;
  try {
    options = actionOptions(actionInput, workspace);
  } catch (error) {
    inputError = error;
  }
  const dryRun = options?.dryRun ?? false;
  const reporter = await createReporter('github', {
    command: dryRun ? 'plan' : 'deploy',
    dryRun,
    json: false,
    terminal: processTerminal(env),
    files: {},
    env,
    cwd: process.cwd(),
    progressIntervalSeconds: 10,
  });
  const interrupt = new AbortController();
  // The runner cancels a step with SIGINT, then SIGTERM: stop cleanly, abort multipart uploads.
  const onSignal = (signal: NodeJS.Signals) =>
    interrupt.abort(new S3shipError('INTERRUPTED', `Interrupted by ${signal}`));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const load = () => {
    if (!options) throw inputError;
    return loadConfig({
      ...(options.specFile ? { specFile: options.specFile } : {}),
      overrides: options.overrides,
      env,
      cwd: workspace,
    });
  };
  process.exitCode = await reportedRun(
    { load, options: { dryRun, force: options?.force ?? false } },
    reporter,
    {
      env,
      signal: interrupt.signal,
      mask: githubMasker(env, outLine),
      scanner: takeScanner(),
    },
  );
}

/** True when this module is the program (`node dist/action.js`), not imported by a tool. */
function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

if (isMain(import.meta.url)) {
  run().catch((error: unknown) => {
    errText(`::error::s3ship: unexpected failure, please report it: ${String(error)}\n`);
    process.exitCode = 1;
  });
}
