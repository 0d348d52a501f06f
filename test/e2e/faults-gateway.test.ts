/**
 * The gateway going away mid-deploy, and a gateway that throttles.
 *
 * The gateway is shared with other test runs, so it is never killed: the fault proxy plays its
 * death instead — it stops listening and resets every open connection (what a client sees when
 * the gateway process dies: resets, then ECONNREFUSED), and listens again later on the same
 * port (the restart). A hung gateway is a proxy that accepts connections and never answers.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { FaultProxy } from '../support/fault-proxy.js';
import { runFaultClass } from '../support/fault-runs.js';
import { makeScenario, type Scenario } from '../support/fault-scenario.js';
import { checkBucket, recordCase, waitFor } from '../support/reliability.js';
import {
  createTestBucket,
  deleteTestBucket,
  makeTree,
  runCli,
  testGateway,
} from '../support/s3.js';

let proxy: FaultProxy;
let scenario: Scenario;
let throttleBucket: string | undefined;

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: testGateway().endpoint });
  scenario = await makeScenario('gwdown');
}, 120_000);

afterAll(async () => {
  await proxy.close();
  await scenario.cleanup();
  await deleteTestBucket(scenario.bucket);
  if (throttleBucket) await deleteTestBucket(throttleBucket);
});

const T = 300_000;
let aborts = 0;
const partInFlight = (p: FaultProxy) =>
  p.requests.some((q) => q.method === 'PUT' && /partNumber=/.test(q.target) && q.end === undefined);
/** Uploads under way: the outage lands mid-deploy, not before or after it. */
const uploadsStarted = (p: FaultProxy) => p.requests.filter((r) => r.method === 'PUT').length >= 8;

describe('the gateway dies, hangs or throttles during a deploy', () => {
  test(
    'killed for 6 s mid-deploy: a clear error, uploads aborted once it is back, a re-run converges',
    async () => {
      const r = await runFaultClass({
        scenario,
        proxy,
        klass: 'gateway killed mid-deploy, back after 6 s',
        seeds: [31, 32],
        file: 'faults-gateway.test.ts',
        during: async (p, run) => {
          // a slower link, so parts are on the wire when the gateway dies
          p.uploadBytesPerSecond = 20 * 1024 * 1024;
          await waitFor(() => partInFlight(p), 30_000, 'a part upload in flight');
          await p.down();
          await delay(6000);
          await p.up();
          p.uploadBytesPerSecond = 0;
          await run.done;
          aborts += (run.stderr().match(/^retry \d+: AbortMultipartUpload /gm) ?? []).length;
        },
        note: () =>
          `the error named the endpoint and what to check; AbortMultipartUpload retried ${aborts} time(s) through the outage until the gateway was back`,
      });
      // It gave up during the outage, and said why, naming the endpoint and what to check.
      expect(r.failedRuns.length).toBe(r.runs);
      for (const err of r.stderr) {
        expect(err).toMatch(/failed: ECONN(REFUSED|RESET) — .*127\.0\.0\.1:\d+.*; fix: /);
        expect(err).not.toMatch(/Could not abort/);
        // the part in flight was aborted, patiently: retried during the outage, done after it
        expect(err).toMatch(/^retry \d+: AbortMultipartUpload /m);
      }
    },
    T,
  );

  test(
    'a 300 ms blip: ridden out by retries',
    async () => {
      const r = await runFaultClass({
        scenario,
        proxy,
        klass: 'gateway restarted within 300 ms',
        seeds: [33, 34],
        file: 'faults-gateway.test.ts',
        during: async (p) => {
          p.delayMs = 40;
          await waitFor(() => uploadsStarted(p), 30_000, 'the first uploads');
          await p.down();
          await delay(300);
          await p.up();
          p.delayMs = 0;
        },
      });
      expect(r.retries).toBeGreaterThan(0);
    },
    T,
  );

  test(
    'hung for 5 s (accepts, never answers): requests time out and are retried',
    async () => {
      const r = await runFaultClass({
        scenario,
        proxy,
        klass: 'gateway hung 5 s (request_timeout: 2)',
        seeds: [35],
        extraSpec: 'request_timeout: 2\n',
        file: 'faults-gateway.test.ts',
        during: async (p) => {
          p.delayMs = 40;
          await waitFor(() => uploadsStarted(p), 30_000, 'the first uploads');
          p.mode = 'blackhole';
          await delay(5000);
          p.mode = 'up';
          p.delayMs = 0;
        },
      });
      expect(r.stderr.join('\n')).toMatch(/got ETIMEDOUT/);
    },
    T,
  );

  test(
    'throttles above 3 requests in flight: s3ship sends fewer at once and finishes',
    async () => {
      // Its own site of 200 small files at concurrency 16: enough requests for the limit to act.
      const bucket = await createTestBucket('throttle');
      throttleBucket = bucket;
      const files: Record<string, string> = {};
      for (let i = 0; i < 200; i++) files[`assets/f${i}.js`] = `export const n = ${i};`;
      const source = await makeTree(path.join(scenario.dir, 'throttle'), files);
      const spec = path.join(scenario.dir, 'throttle.yml');
      await writeFile(
        spec,
        `version: 1\nsource: ${source}\ntarget:\n  bucket: ${bucket}\n  endpoint: ${proxy.endpoint}\n  region: us-east-1\nconcurrency: 16\n`,
      );
      proxy.reset(36);
      proxy.capacity = 3;
      proxy.delayMs = 50; // requests overlap, as on a busy store
      const run = await runCli(['deploy', '-c', spec], { timeoutMs: 170_000 });
      const requests = [...proxy.requests];
      proxy.reset(36);
      // s3ship's own account when it fails (which upload gave up, on what)
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
        code: 0,
        stderr: '',
      });
      const throttled = requests.filter((q) => q.outcome === '503 SlowDown');
      const first = Math.min(...throttled.map((q) => q.start));
      // once the cuts have acted (half a second), fewer requests go out at once
      const late = requests.filter((q) => q.start >= first + 500);
      const lateMax = Math.max(...late.map((q) => q.inFlightAtStart));
      const lowered = run.stderr.match(/requests in flight lowered to \d+ of 16/g) ?? [];
      expect(lowered.length).toBeGreaterThan(0);
      expect(late.length).toBeGreaterThan(50);
      // Without adaptation up to 16 go out at once and most of them are refused.
      expect(lateMax).toBeLessThanOrEqual(5);
      expect(throttled.length).toBeLessThan(requests.length / 4);
      const check = await checkBucket(
        bucket,
        new Map(Object.entries(files).map(([k, v]) => [k, [Buffer.from(v)]])),
        Object.keys(files),
        { state: ['.s3ship/state.json.gz'] },
      );
      expect(check.problems).toEqual([]);
      recordCase({
        group: 'Faults',
        klass: 'SlowDown above 3 requests in flight (concurrency 16, 200 files)',
        cases: 1,
        unit: `deploy (${throttled.length} SlowDown injected)`,
        did: `limit lowered (${lowered.map((l) => /to (\d+)/.exec(l)?.[1]).join(' → ')}); ${throttled.length} SlowDown answers to ${requests.length} requests; from 0.5 s after the first, at most ${lateMax} in flight; exit 0, exact tree`,
        verified: check.verified,
        lost: check.problems.length,
        openUploads: check.openUploads,
        test: 'faults-gateway.test.ts › throttles above 3 requests in flight',
      });
    },
    T,
  );
});
