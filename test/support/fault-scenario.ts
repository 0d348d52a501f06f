/**
 * The site the fault tests deploy: version 1 is live in the bucket (deployed straight to the
 * gateway), version 2 — changed, new, removed files and two multipart objects — is deployed
 * through the fault proxy with deletes on. After a faulty run the bucket must hold, key by key,
 * version 1 or version 2 bytes and nothing else; when any upload failed nothing may have been
 * deleted; a clean re-run must converge to version 2 exactly. An object outside the prefix must
 * never be touched.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkBucket, exactly, type BucketCheck } from './reliability.js';
import {
  createTestBucket,
  logOffset,
  makeTree,
  putObject,
  requestKey,
  requestsSince,
  runCli,
  testGateway,
  type RunResult,
} from './s3.js';

const MiB = 1024 * 1024;
export const PREFIX = 'site/';
export const OUTSIDE_KEY = 'outside/keep.txt';
/** The deploy state: written by the first deploy of v1, then by each deploy that changed anything. */
export const STATE_KEY = `${PREFIX}.s3ship/state.json.gz`;
const OUTSIDE_BODY = Buffer.from('outside the prefix: never touched\n');

export type Tree = Map<string, Buffer>;

function text(size: number): Buffer {
  return Buffer.from(
    randomBytes(Math.ceil(size / 2))
      .toString('hex')
      .slice(0, size),
  );
}

export function siteTrees(options: { big?: number } = {}): { v1: Tree; v2: Tree } {
  const big = options.big ?? 11 * MiB;
  const v1: Tree = new Map();
  v1.set('index.html', Buffer.from('<!doctype html><title>v1</title>'));
  v1.set('docs/index.html', Buffer.from('<!doctype html><title>docs v1</title>'));
  for (let i = 0; i < 30; i++) v1.set(`assets/a${i}.js`, text(200 + 97 * i));
  v1.set('media/big1.bin', randomBytes(big));
  v1.set('old/stale.txt', Buffer.from('stale after v2\n'));
  const v2: Tree = new Map(v1);
  v2.set('index.html', Buffer.from('<!doctype html><title>v2 home</title>'));
  for (let i = 0; i < 10; i++) {
    const old = v1.get(`assets/a${i}.js`)!;
    // half keep their size (only the bytes tell), half change size
    v2.set(`assets/a${i}.js`, i % 2 === 0 ? text(old.length) : text(old.length + 13));
  }
  for (let i = 30; i < 35; i++) v2.set(`assets/a${i}.js`, text(300 + i));
  v2.set('media/big1.bin', randomBytes(big));
  v2.set('media/big2.bin', randomBytes(big + 12345));
  v2.delete('old/stale.txt');
  return { v1, v2 };
}

export interface Scenario {
  bucket: string;
  dir: string;
  v1: Tree;
  v2: Tree;
  v1Dir: string;
  v2Dir: string;
  /** Writes the spec for deploying `which` through `endpoint`; returns its path. */
  spec(which: 'v1' | 'v2', endpoint: string, extra?: string): Promise<string>;
  /** Puts version 1 live again, straight to the gateway (also proves convergence from any state). */
  resetToV1(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function makeScenario(
  name: string,
  options: { big?: number } = {},
): Promise<Scenario> {
  const { v1, v2 } = siteTrees(options);
  const bucket = await createTestBucket(name);
  await putObject(bucket, OUTSIDE_KEY, OUTSIDE_BODY);
  const dir = await mkdtemp(path.join(os.tmpdir(), `s3ship-${name}-`));
  const v1Dir = await makeTree(path.join(dir, 'v1'), Object.fromEntries(v1));
  const v2Dir = await makeTree(path.join(dir, 'v2'), Object.fromEntries(v2));
  const spec = async (which: 'v1' | 'v2', endpoint: string, extra = '') => {
    const file = path.join(
      dir,
      `${which}-${Date.now()}-${Math.random().toString(36).slice(2)}.yml`,
    );
    await writeFile(
      file,
      `version: 1
source: ${which === 'v1' ? v1Dir : v2Dir}
target:
  bucket: ${bucket}
  prefix: ${PREFIX}
  endpoint: ${endpoint}
  region: us-east-1
delete: true
concurrency: 8
multipart:
  threshold: 5MiB
  part_size: 5MiB
${extra}`,
    );
    return file;
  };
  const scenario: Scenario = {
    bucket,
    dir,
    v1,
    v2,
    v1Dir,
    v2Dir,
    spec,
    async resetToV1() {
      const res = await runCli(['deploy', '-c', await spec('v1', testGateway().endpoint)]);
      if (res.code !== 0) throw new Error(`resetting ${bucket} to v1 failed:\n${res.stderr}`);
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  await scenario.resetToV1();
  return scenario;
}

const withPrefix = (tree: Tree): Tree => new Map([...tree].map(([k, v]) => [PREFIX + k, v]));

export interface JsonItem {
  key: string;
  action: string;
  status?: string;
  error?: string;
}

export interface FaultyRunCheck extends BucketCheck {
  /** False when the run stopped before it had a plan (no --json document). */
  planned: boolean;
  /** Keys the run reported as failed or not run. */
  failedKeys: string[];
  /** Of those, the ones not run (entry documents and deletes wait for every asset). */
  notRunKeys: string[];
  /** Keys reported failed that stderr does not name. */
  unlisted: string[];
  exact: boolean;
}

/**
 * Checks the bucket after a run of v2 through faults. Exit 0: exactly v2 (and the outside
 * object). Otherwise: every key holds v1 or v2 bytes, and when an upload failed or did not run,
 * every v1 key (the stale one too) is still there; each failed key is named on stderr.
 */
export async function checkAfterFaultyRun(s: Scenario, run: RunResult): Promise<FaultyRunCheck> {
  const v1 = withPrefix(s.v1);
  const v2 = withPrefix(s.v2);
  // No JSON document: the run stopped before it had a plan (listing, heads), so it uploaded
  // nothing, and must have deleted nothing either.
  let items: JsonItem[] | undefined;
  try {
    items = (JSON.parse(run.stdout) as { items: JsonItem[] }).items;
  } catch {
    items = undefined;
  }
  const failed = (items ?? []).filter((i) => i.status === 'failed' || i.status === 'not-run');
  const uploadFailed = items === undefined || failed.some((i) => i.action === 'upload');
  const unlisted = failed
    .filter((i) => i.status === 'failed')
    .map((i) => i.key)
    .filter((k) => !run.stderr.includes(k) && !run.stderr.includes(k.slice(PREFIX.length)));
  if (run.code === 0) {
    const { allowed, required } = exactly(v2);
    allowed.set(OUTSIDE_KEY, [OUTSIDE_BODY]);
    const check = await checkBucket(s.bucket, allowed, [...required, OUTSIDE_KEY], {
      state: [STATE_KEY],
    });
    return {
      ...check,
      planned: items !== undefined,
      failedKeys: [],
      notRunKeys: [],
      unlisted,
      exact: check.problems.length === 0,
    };
  }
  const allowed = new Map<string, Buffer[]>();
  for (const [k, b] of v1) allowed.set(k, [b]);
  for (const [k, b] of v2) allowed.set(k, [...(allowed.get(k) ?? []), b]);
  allowed.set(OUTSIDE_KEY, [OUTSIDE_BODY]);
  // Deletes run only after every upload succeeded: if one did not, every v1 key is still there.
  const required = uploadFailed ? [...v1.keys(), OUTSIDE_KEY] : [OUTSIDE_KEY];
  const check = await checkBucket(s.bucket, allowed, required, { state: [STATE_KEY] });
  return {
    ...check,
    planned: items !== undefined,
    failedKeys: failed.map((i) => i.key),
    notRunKeys: failed.filter((i) => i.status === 'not-run').map((i) => i.key),
    unlisted,
    exact: false,
  };
}

/** After a clean run of v2: exactly v2 under the prefix, the outside object untouched. */
export async function checkExactV2(s: Scenario): Promise<BucketCheck> {
  const { allowed, required } = exactly(withPrefix(s.v2));
  allowed.set(OUTSIDE_KEY, [OUTSIDE_BODY]);
  return checkBucket(s.bucket, allowed, [...required, OUTSIDE_KEY], { state: [STATE_KEY] });
}

/**
 * One more deploy of `spec` after a clean run: the deploy state that run wrote vouches for
 * every object, so it must write nothing and read no object. Returns its exit code and its
 * requests to the bucket, `METHOD key` sorted (the listing's key is `(bucket)`): expected, the
 * state's GetObject and the listing.
 */
export async function settledDeploy(s: Scenario, spec: string): Promise<string[]> {
  const mark = logOffset();
  const run = await runCli(['deploy', '-c', spec]);
  const requests = (await requestsSince(mark)).filter((r) => r.bucket === s.bucket);
  return [
    `exit ${run.code}`,
    ...requests.map((r) => `${r.method} ${requestKey(r) || '(bucket)'}`).sort(),
  ];
}

/** `retry N: <op> <key> got <code>; waiting <ms> ms` lines of a run's stderr. */
export function retryLines(stderr: string): { op: string; code: string; waitMs: number }[] {
  return [...stderr.matchAll(/^retry \d+: (\S+) .* got (\S+); waiting (\d+) ms$/gm)].map((m) => ({
    op: m[1]!,
    code: m[2]!,
    waitMs: Number(m[3]),
  }));
}
