/**
 * Command-line arguments → typed options. Flags override the spec; a spec file is optional
 * when the flags say enough (`--source` and `--bucket`).
 */
import { parseArgs } from 'node:util';
import { deleteCapText } from './delete-cap.js';
import { S3shipError } from './errors.js';
import type { PresignFlags } from './presign-command.js';
import { REPORT_KINDS, type ReportFiles, type ReportKind } from './report/reporter.js';
import { parseShard, type Shard } from './shard.js';
import type { SpecOverrides } from './spec/load.js';

export type Command =
  'deploy' | 'plan' | 'prune' | 'doctor' | 'presign' | 'schema' | 'help' | 'version';

export interface CliOptions {
  command: Command;
  specFile: string | undefined;
  overrides: SpecOverrides;
  dryRun: boolean;
  force: boolean;
  /** `--shard i/n`: upload this job's share of the keys; deletes are left to `prune`. */
  shard: Shard | undefined;
  json: boolean;
  markdown: boolean;
  /** `presign`: keys (relative to the prefix) and the presign flags. */
  presign: PresignFlags;
  /** `--report` (undefined: detected from the environment) and report files asked for. */
  report: { kind: ReportKind | undefined; files: ReportFiles };
}

export const HELP = `s3ship — deploy a directory to S3 (or any S3-compatible store), uploading only what changed.

Usage:
  s3ship deploy [-c s3ship.yml] [flags]   upload what changed, then delete stale keys if asked
  s3ship plan   [-c s3ship.yml] [flags]   show what deploy would do; writes nothing
  s3ship prune  [-c s3ship.yml] [flags]   only delete stale keys (the last job after sharded deploys)
  s3ship doctor [-c s3ship.yml] [flags]   check that a deploy would work: credentials, clock,
                                          region, permissions (with a probe object); print
                                          the least IAM policy for the spec
  s3ship presign <key>... [--expires 1h]  presigned GET URLs for keys under the prefix
  s3ship presign --post <key|prefix/>     presigned POST form for browser uploads:
        [--max-size 10MiB] [--content-type image/] [--expires 1h] [--html form.html]
  s3ship schema [--markdown]              print the spec's JSON Schema (or the reference table)

Flags (override the spec):
  -c, --config <file>      spec file (default: ./s3ship.yml if present)
      --source <dir>       directory to deploy
      --bucket <name>      target bucket
      --prefix <prefix>    key prefix (deletes never leave it)
      --region <region>    bucket region (default: AWS_REGION, then the bucket's own)
      --endpoint <url>     S3-compatible endpoint (path-style addressing is then the default)
      --delete             delete keys under the prefix that are not in the source
      --max-delete <n|p%>  delete nothing when more than n keys, or p% of the keys under the
                           prefix, are stale (default 50%)
      --allow-empty-source deploy a source with no files although --delete is on (refused
                           otherwise: every key would be stale)
      --concurrency <n>    requests in flight, at most (default 64)
      --credentials <src>  use only this credentials source: spec, env, web-identity, profile,
                           default (default: auto, the first that applies)
      --role-arn <arn>     role to assume with a web identity (OIDC) token
      --audience <aud>     audience of that token (default sts.amazonaws.com)
      --dry-run            like plan: decide everything, write nothing
      --force              upload every file, changed or not
      --shard <i/n>        upload only share i of n (stable hash of the key); run
                           "s3ship prune" once after all n jobs to delete stale keys
      --json               one JSON document on stdout (counts, bytes, every key with its reason)

Reports (in CI the format is detected: GitHub Actions, GitLab CI, Jenkins):
      --report <kind>      github, gitlab, jenkins or plain
      --junit-file <file>  JUnit XML, a test case per key (gitlab, jenkins: s3ship-junit.xml)
      --dotenv-file <file> counts as NAME=value lines (gitlab: s3ship.env)
      --json-file <file>   the --json document (jenkins: s3ship-report.json)
  -h, --help, --version

Exit codes: 0 done · 1 some operations failed · 2 bad spec or usage, or a guard refused the
plan (an empty source with --delete, immutable keys changed) · 3 credentials or access refused`;

const COMMANDS = new Set<Command>([
  'deploy',
  'plan',
  'prune',
  'doctor',
  'presign',
  'schema',
  'help',
  'version',
]);

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
        'allow-empty-source': { type: 'boolean' },
        'max-delete': { type: 'string' },
        concurrency: { type: 'string' },
        credentials: { type: 'string' },
        'role-arn': { type: 'string' },
        audience: { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        shard: { type: 'string' },
        json: { type: 'boolean' },
        markdown: { type: 'boolean' },
        report: { type: 'string' },
        'junit-file': { type: 'string' },
        'dotenv-file': { type: 'string' },
        'json-file': { type: 'string' },
        post: { type: 'boolean' },
        expires: { type: 'string' },
        'max-size': { type: 'string' },
        'content-type': { type: 'string' },
        html: { type: 'string' },
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
      `Unknown command "${word}" — expected deploy, plan, doctor, presign or schema (see "s3ship --help").`,
    );
  }
  // Only presign takes arguments after the command: the keys.
  if (positionals.length > 1 && command !== 'presign') {
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
    ...(values['allow-empty-source'] !== undefined
      ? { allowEmptySource: values['allow-empty-source'] }
      : {}),
    ...(values['max-delete'] !== undefined
      ? { maxDelete: deleteCapFlag('--max-delete', values['max-delete']) }
      : {}),
    ...(values.concurrency !== undefined
      ? { concurrency: integerFlag('--concurrency', values.concurrency) }
      : {}),
    ...(values.credentials !== undefined ? { credentials: values.credentials } : {}),
    ...(values['role-arn'] !== undefined ? { roleArn: values['role-arn'] } : {}),
    ...(values.audience !== undefined ? { audience: values.audience } : {}),
  };
  return {
    command,
    specFile: values.config,
    overrides,
    dryRun: command === 'plan' || values['dry-run'] === true,
    force: values.force === true,
    shard: values.shard === undefined ? undefined : parseShard(values.shard),
    json: values.json === true,
    markdown: values.markdown === true,
    presign: {
      keys: command === 'presign' ? positionals.slice(1) : [],
      post: values.post === true,
      expires: values.expires,
      maxSize: values['max-size'],
      contentType: values['content-type'],
      html: values.html,
      json: values.json === true,
    },
    report: {
      kind: reportKind(values.report),
      files: {
        ...(values['junit-file'] ? { junit: values['junit-file'] } : {}),
        ...(values['dotenv-file'] ? { dotenv: values['dotenv-file'] } : {}),
        ...(values['json-file'] ? { json: values['json-file'] } : {}),
      },
    },
  };
}

function reportKind(value: string | undefined): ReportKind | undefined {
  if (value === undefined) return undefined;
  if ((REPORT_KINDS as readonly string[]).includes(value)) return value as ReportKind;
  throw new S3shipError(
    'USAGE',
    `--report expects one of ${REPORT_KINDS.join(', ')}, got "${value}" — e.g. --report gitlab.`,
  );
}

/** A number of keys or a share (`25%`); its range is the schema's to check. */
function deleteCapFlag(flag: string, value: string): number | string {
  const cap = deleteCapText(value);
  if (cap !== undefined) return cap;
  throw new S3shipError(
    'USAGE',
    `${flag} expects a whole number of keys or a share of the keys under the prefix, got "${value}" — e.g. ${flag} 100 or ${flag} 25%.`,
  );
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
