/**
 * Shared by the reliability tests (faults, hostile input, secrets): checking a bucket against
 * the tree it must hold, open multipart uploads, running the CLI with a handle on the process
 * (to signal it), and recording each case for docs/reliability.md.
 *
 * Recording: when S3SHIP_RELIABILITY_DIR is set (scripts/reliability-report.mjs sets it), every
 * recordCase() appends one JSON line there; the script renders the table from those lines only,
 * so the document says what this run observed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import {
  getObject,
  isStateKey,
  listKeys,
  node24,
  REPO_ROOT,
  testGateway,
  testS3Client,
} from './s3.js';

export interface CaseRecord {
  /** Table section: `Faults`, `Hostile input`, `Secrets`, `Properties`. */
  group: string;
  /** The fault or input class, e.g. `connection reset mid-PUT`. */
  klass: string;
  /** Cases run (runs, inputs, files or property samples, as `unit` says). */
  cases: number;
  unit: string;
  /** What s3ship did, from observations (exit codes, retries, messages). */
  did: string;
  /** Objects read back and compared byte for byte (0 when no object is involved). */
  verified: number;
  /** Objects missing, extra, or with wrong bytes; must be 0. */
  lost: number;
  /** Multipart uploads left open after the runs; must be 0. */
  openUploads: number;
  /** Test that produced the record. */
  test: string;
  /** The last column's text when no object is involved (e.g. "no request sent"). */
  verdict?: string;
}

export function recordCase(record: CaseRecord): void {
  const dir = process.env.S3SHIP_RELIABILITY_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(path.join(dir, `cases-${process.pid}.jsonl`), `${JSON.stringify(record)}\n`);
}

/** Open multipart uploads in the bucket (ListMultipartUploads, every page). */
export async function openUploads(bucket: string): Promise<string[]> {
  const client = testS3Client();
  const keys: string[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  try {
    for (;;) {
      const page = await client.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
        }),
      );
      for (const u of page.Uploads ?? []) keys.push(`${u.Key ?? '?'} (${u.UploadId ?? '?'})`);
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  } finally {
    client.destroy();
  }
  return keys;
}

export interface BucketCheck {
  /** Objects read back and compared. */
  verified: number;
  /** Human-readable problems: missing, extra or wrong objects; open uploads. */
  problems: string[];
  openUploads: number;
}

export interface CheckOptions {
  /** Only keys under this prefix. */
  prefix?: string;
  /**
   * The deploy state's keys (see isStateKey) the bucket must hold, each a gzip document; its
   * bytes are s3ship's, not the site's, so they are not compared. Any other state key is extra.
   */
  state?: readonly string[];
}

/**
 * Reads every object under `prefix` back and compares it with what it may hold: for each key,
 * one of the allowed bodies (after a failed run a key may hold the old or the new version, never
 * anything else). Keys not in `allowed` are extra; keys in `required` must exist; the deploy
 * state's keys must be exactly `options.state`.
 */
export async function checkBucket(
  bucket: string,
  allowed: ReadonlyMap<string, readonly Buffer[]>,
  required: Iterable<string>,
  options: CheckOptions = {},
): Promise<BucketCheck> {
  const problems: string[] = [];
  const keys = await listKeys(bucket, options.prefix || undefined);
  const present = new Set(keys);
  const state = new Set(options.state ?? []);
  for (const key of [...required, ...state])
    if (!present.has(key)) problems.push(`missing: ${key}`);
  let verified = 0;
  for (const key of keys) {
    if (state.has(key) && isStateKey(key)) {
      const { body } = await getObject(bucket, key);
      try {
        gunzipSync(body);
      } catch {
        problems.push(`deploy state not gzip: ${key} (${body.length} bytes)`);
      }
      continue;
    }
    const bodies = allowed.get(key);
    if (!bodies) {
      problems.push(`extra: ${key}`);
      continue;
    }
    const { body } = await getObject(bucket, key);
    verified++;
    if (!bodies.some((b) => b.equals(body)))
      problems.push(`wrong bytes: ${key} (${body.length} bytes)`);
  }
  const open = await openUploads(bucket);
  for (const u of open) problems.push(`open multipart upload: ${u}`);
  return { verified, problems, openUploads: open.length };
}

/** The tree exactly: every key of `tree`, with its bytes, and nothing else. */
export function exactly(tree: ReadonlyMap<string, Buffer>): {
  allowed: Map<string, Buffer[]>;
  required: string[];
} {
  return {
    allowed: new Map([...tree].map(([k, v]) => [k, [v]])),
    required: [...tree.keys()],
  };
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
  /** Output so far. */
  stdout: () => string;
  stderr: () => string;
}

/**
 * Starts `dist/cli.js` with the test credentials, like runCli, but returns at once with the
 * process, so a test can signal it or act while it runs; `asNobody` runs it as user nobody
 * (setpriv), for permissions that root would ignore.
 */
export function startCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { cwd?: string; asNobody?: boolean } = {},
): CliRun {
  const gw = testGateway();
  const full: Record<string, string> = {};
  const base = { ...process.env };
  for (const k of Object.keys(base)) {
    if (/^(AWS_|S3SHIP_)/.test(k) || k === 'S3_ENDPOINT' || k === 'FORCE_COLOR') delete base[k];
  }
  const merged: Record<string, string | undefined> = {
    ...base,
    AWS_ACCESS_KEY_ID: gw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
    AWS_REGION: gw.region,
    AWS_CONFIG_FILE: '/nonexistent/s3ship-test/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/s3ship-test/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) full[k] = v;
  const command = [node24(), path.join(REPO_ROOT, 'dist', 'cli.js'), ...args];
  // Tests run as root, who reads any file whatever its mode; as `nobody`, mode 000 means it.
  const argv = options.asNobody
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...command]
    : command;
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd ?? REPO_ROOT,
    env: full,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
  return {
    child,
    done,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
  };
}

/** Resolves when `test()` holds, polling every 20 ms; rejects after `timeoutMs`. */
export async function waitFor(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
