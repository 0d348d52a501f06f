/**
 * Command-line arguments → typed options. Flags override the spec; a spec file is optional
 * when the flags say enough (`--source` and `--bucket`).
 */
import { parseArgs } from 'node:util';
import { S3shipError } from './errors.js';
import type { SpecOverrides } from './spec/load.js';

export type Command = 'deploy' | 'plan' | 'schema' | 'help' | 'version';

export interface CliOptions {
  command: Command;
  specFile: string | undefined;
  overrides: SpecOverrides;
  dryRun: boolean;
  force: boolean;
  json: boolean;
  markdown: boolean;
}

export const HELP = `s3ship — deploy a directory to S3 (or any S3-compatible store), uploading only what changed.

Usage:
  s3ship deploy [-c s3ship.yml] [flags]   upload what changed, then delete stale keys if asked
  s3ship plan   [-c s3ship.yml] [flags]   show what deploy would do; writes nothing
  s3ship schema [--markdown]              print the spec's JSON Schema (or the reference table)

Flags (override the spec):
  -c, --config <file>      spec file (default: ./s3ship.yml if present)
      --source <dir>       directory to deploy
      --bucket <name>      target bucket
      --prefix <prefix>    key prefix (deletes never leave it)
      --region <region>    bucket region (default: AWS_REGION, then the bucket's own)
      --endpoint <url>     S3-compatible endpoint (path-style addressing is then the default)
      --delete             delete keys under the prefix that are not in the source
      --max-delete <n>     delete nothing when more than n keys are stale (default 256)
      --concurrency <n>    requests in flight, at most (default 16)
      --dry-run            like plan: decide everything, write nothing
      --force              upload every file, changed or not
      --json               one JSON document on stdout (counts, bytes, every key with its reason)
  -h, --help, --version

Exit codes: 0 done · 1 some operations failed · 2 bad spec or usage · 3 credentials or access refused`;

const COMMANDS = new Set<Command>(['deploy', 'plan', 'schema', 'help', 'version']);

export function parseCliArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        source: { type: 'string' },
        bucket: { type: 'string' },
        prefix: { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        delete: { type: 'boolean' },
        'max-delete': { type: 'string' },
        concurrency: { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
        markdown: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new S3shipError(
      'USAGE',
      `${(error as Error).message} — run "s3ship --help" for the flags.`,
    );
  }
  const { values, positionals } = parsed;
  const word = positionals[0] ?? (values.version ? 'version' : 'help');
  const command = (values.help ? 'help' : word) as Command;
  if (!COMMANDS.has(command)) {
    throw new S3shipError(
      'USAGE',
      `Unknown command "${word}" — expected deploy, plan or schema (see "s3ship --help").`,
    );
  }
  if (positionals.length > 1) {
    throw new S3shipError(
      'USAGE',
      `Unexpected argument "${positionals[1]}" — flags take the form --name value (see "s3ship --help").`,
    );
  }
  const overrides: SpecOverrides = {
    ...(values.source !== undefined ? { source: values.source } : {}),
    ...(values.bucket !== undefined ? { bucket: values.bucket } : {}),
    ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
    ...(values.delete !== undefined ? { delete: values.delete } : {}),
    ...(values['max-delete'] !== undefined
      ? { maxDelete: integerFlag('--max-delete', values['max-delete']) }
      : {}),
    ...(values.concurrency !== undefined
      ? { concurrency: integerFlag('--concurrency', values.concurrency) }
      : {}),
  };
  return {
    command,
    specFile: values.config,
    overrides,
    dryRun: command === 'plan' || values['dry-run'] === true,
    force: values.force === true,
    json: values.json === true,
    markdown: values.markdown === true,
  };
}

function integerFlag(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new S3shipError(
      'USAGE',
      `${flag} expects a whole number, got "${value}" — e.g. ${flag} 16.`,
    );
  }
  return Number(value);
}
