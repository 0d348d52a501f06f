// A/B of two s3ship builds on the standard scenarios, alternating A and B run by run so that
// the machine's drift (a noisy neighbour, the gateway's garbage collector) falls on both.
// The bench proper compares s3ship with its peers; this answers "did my change help?", which
// one run of each cannot on a 2-core machine where the same deploy moves ±10%.
//
//   node bench/ab.mjs --a /tmp/before/cli.js --b dist/cli.js [--pairs 8] [--only cold,fresh,big]
//
// One tree and bucket (2,000 × 4 KiB files, a 256 MiB file for big and big-fresh), deployed
// cold once before the pairs. Prints, per scenario, every sample and the
// median wall and CPU seconds of each build, and B ÷ A.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  collectGarbage,
  createBucket,
  deleteObject,
  emptyBucket,
  ensureGateway,
  settle,
  warmUp,
} from './gateway.mjs';
import { addBig, editOne, makeTree, touchAll } from './tree.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const node = path.join(root, 'node_modules', '.bin', 'node');

const { values: opts } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: path.join(root, 'dist', 'cli.js') },
    pairs: { type: 'string', default: '8' },
    only: { type: 'string', default: 'fresh,edit1,big,big-fresh' },
    files: { type: 'string', default: '2000' },
  },
});
if (!opts.a) {
  console.error('usage: node bench/ab.mjs --a <cli.js> [--b <cli.js>] [--pairs N] [--only s,…]');
  process.exit(2);
}

const gw = ensureGateway(root, { memstoreBytes: 6 * 2 ** 30 });
const work = mkdtempSync(path.join(os.tmpdir(), 's3ship-ab-'));
const env = { ...process.env, ...gw.env, AWS_REGION: 'us-east-1' };
const builds = { A: path.resolve(opts.a), B: path.resolve(opts.b) };

/** One deploy: wall seconds and the process's CPU seconds (user + system, all threads). */
function deploy(cli, src, bucket) {
  const timeFile = path.join(work, 'time.txt');
  const started = process.hrtime.bigint();
  const p = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%U %S',
      '-o',
      timeFile,
      node,
      cli,
      'deploy',
      '--source',
      src,
      '--bucket',
      bucket,
      '--endpoint',
      gw.endpoint,
      '--region',
      'us-east-1',
    ],
    { env, encoding: 'utf8' },
  );
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (p.status !== 0) throw new Error(`${cli} failed (${p.status}): ${p.stderr.slice(-400)}`);
  const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ');
  return { wall, cpu: Number(user) + Number(sys) };
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
const fmt = (x) => x.toFixed(3);

/** What each scenario does to the tree before a deploy (`first`: the scenario's first run). */
const prepare = {
  // Every file new: the bucket emptied and made again, as the bench's cold does.
  cold: async () => {
    await emptyBucket(gw, bucket);
    await createBucket(gw, bucket);
  },
  fresh: () => touchAll(src),
  edit1: () => editOne(src),
  big: async (first) => {
    if (first) addBig(src, 256);
    else await deleteObject(gw, bucket, 'big.tar');
  },
  'big-fresh': () => touchAll(src),
};

console.log('warming the gateway up');
await warmUp(gw, 256);
// One tree and one bucket for both builds: each deploy leaves the bucket as the other's would
// (both are s3ship), and the gateway's cost depends on the bucket — the same 256 MiB upload
// cost it 2.0 s of CPU in one bucket and 3.3 s in another, whichever build sent it.
const src = path.join(work, 'tree');
makeTree(src, Number(opts.files), 4096);
const bucket = await createBucket(gw, `ab-${Date.now().toString(36)}`);
deploy(builds.A, src, bucket);
const scenarios = opts.only.split(',');
const pairs = Number(opts.pairs);
for (const scenario of scenarios) {
  if (!prepare[scenario]) throw new Error(`unknown scenario ${scenario}`);
  const samples = { A: [], B: [] };
  for (let i = 0; i < pairs; i++) {
    // Alternate which build goes first, so neither always follows the other's leftovers.
    for (const [j, name] of (i % 2 ? ['B', 'A'] : ['A', 'B']).entries()) {
      await prepare[scenario](i === 0 && j === 0);
      collectGarbage();
      await settle();
      samples[name].push(deploy(builds[name], src, bucket));
    }
  }
  const line = (name) =>
    `${name} wall ${fmt(median(samples[name].map((s) => s.wall)))} s ` +
    `cpu ${fmt(median(samples[name].map((s) => s.cpu)))} s  ` +
    `[${samples[name].map((s) => s.wall.toFixed(2)).join(' ')}]`;
  const ratio = median(samples.B.map((s) => s.wall)) / median(samples.A.map((s) => s.wall));
  console.log(`${scenario}\n  ${line('A')}\n  ${line('B')}\n  B ÷ A ${ratio.toFixed(3)}`);
}
await emptyBucket(gw, bucket);
rmSync(work, { recursive: true, force: true });
