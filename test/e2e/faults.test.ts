/**
 * Faults between s3ship and the real gateway, injected by test/support/fault-proxy.ts: resets
 * mid-PUT and mid-part, answers lost after the store acted, 503 SlowDown and 500 InternalError
 * at a rate, all of them mixed. Each run deploys version 2 of a site over version 1 with deletes
 * on, and must either finish with the exact tree or exit non-zero naming what failed; either
 * way every object is read back, no multipart upload is left open, nothing is deleted when an
 * upload failed, and a clean re-run converges.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import {
  checkAfterFaultyRun,
  checkExactV2,
  makeScenario,
  retryLines,
  type Scenario,
} from '../support/fault-scenario.js';
import { recordCase } from '../support/reliability.js';
import { deleteTestBucket, runCli, testGateway } from '../support/s3.js';

let proxy: FaultProxy;
let scenario: Scenario;

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: testGateway().endpoint });
  scenario = await makeScenario('faults');
}, 120_000);

afterAll(async () => {
  await proxy.close();
  await scenario.cleanup();
  await deleteTestBucket(scenario.bucket);
});

interface ClassResult {
  runs: number;
  injected: number;
  retries: number;
  clean: number;
  failedRuns: { code: number | null; failed: number; notRun: number; why: string[] }[];
  verified: number;
  lost: number;
  open: number;
  waits: number[];
}

/**
 * Deploys v2 through the proxy with `rules`, once per seed (v1 put back before each), checks
 * the bucket after each faulty run and after a clean re-run, and records the class.
 */
async function runClass(
  klass: string,
  rules: () => FaultRule[],
  seeds: number[],
): Promise<ClassResult> {
  const r: ClassResult = {
    runs: 0,
    injected: 0,
    retries: 0,
    clean: 0,
    failedRuns: [],
    verified: 0,
    lost: 0,
    open: 0,
    waits: [],
  };
  for (const seed of seeds) {
    await scenario.resetToV1();
    proxy.reset(seed);
    proxy.rules = rules();
    const spec = await scenario.spec('v2', proxy.endpoint);
    const run = await runCli(['deploy', '--json', '-c', spec], { timeoutMs: 170_000 });
    proxy.rules = [];
    r.runs++;
    r.injected += proxy.totalInjected;
    const retries = retryLines(run.stderr);
    r.retries += retries.length;
    r.waits.push(...retries.map((l) => l.waitMs));
    const after = await checkAfterFaultyRun(scenario, run);
    expect({ seed, problems: after.problems, unlisted: after.unlisted }).toEqual({
      seed,
      problems: [],
      unlisted: [],
    });
    expect(run.stderr).not.toMatch(/unexpected failure/);
    if (run.code === 0) r.clean++;
    else {
      expect(run.code).toBe(1);
      expect(after.failedKeys.length).toBeGreaterThan(0);
      expect(run.stdout + run.stderr).toMatch(/\d+ failed/);
      // what stopped it, as the user read it: `… failed: <code>` on the error lines
      const why = [...run.stderr.matchAll(/^error: .* failed: (\S+)/gm)].map((m) => m[1]!);
      r.failedRuns.push({
        code: run.code,
        failed: after.failedKeys.length - after.notRunKeys.length,
        notRun: after.notRunKeys.length,
        why: [...new Set(why)],
      });
    }
    r.verified += after.verified;
    r.open += after.openUploads;
    // The same deploy without faults converges, whatever state the faulty run left.
    const again = await runCli(['deploy', '-c', spec]);
    expect(again.code).toBe(0);
    const final = await checkExactV2(scenario);
    expect(final.problems).toEqual([]);
    r.verified += final.verified;
    r.open += final.openUploads;
  }
  const failedNote = r.failedRuns
    .map(
      (f) =>
        `; 1 run exited ${f.code} naming ${f.failed} failed key(s) (${f.why.join(', ')} after every retry), ${f.notRun} not run, nothing deleted`,
    )
    .join('');
  recordCase({
    group: 'Faults',
    klass,
    cases: r.runs,
    unit: `deploys (${r.injected} faults injected)`,
    did: `retried ${r.retries}× with jittered backoff; exact tree in ${r.clean}/${r.runs} runs${failedNote}; clean re-run converged every time`,
    verified: r.verified,
    lost: r.lost,
    openUploads: r.open,
    test: `faults.test.ts › ${klass}`,
  });
  return r;
}

const SEEDS = [11, 12];
const T = 300_000;

describe('faults between s3ship and the gateway', () => {
  test(
    'connection reset mid-PUT',
    async () => {
      const r = await runClass(
        'connection reset mid-PUT',
        () => [
          {
            match: { method: 'PUT', target: /^[^?]*$/ },
            rate: 0.25,
            fault: { kind: 'reset-request' },
          },
        ],
        SEEDS,
      );
      expect(r.injected).toBeGreaterThan(5);
      expect(r.retries).toBeGreaterThan(0);
    },
    T,
  );

  test(
    'connection reset mid-part (multipart)',
    async () => {
      const r = await runClass(
        'connection reset mid-part (multipart)',
        () => [
          {
            match: { method: 'PUT', target: /partNumber=/ },
            rate: 0.4,
            fault: { kind: 'reset-request' },
          },
        ],
        SEEDS,
      );
      expect(r.injected).toBeGreaterThan(1);
    },
    T,
  );

  test(
    'answer lost after the store acted (reset after the response)',
    async () => {
      const r = await runClass(
        'answer lost after the store acted',
        () => [{ rate: 0.15, fault: { kind: 'reset-response' } }],
        SEEDS,
      );
      expect(r.injected).toBeGreaterThan(2);
    },
    T,
  );

  test(
    '503 SlowDown with Retry-After: 1 — every such retry waits at least 1 s',
    async () => {
      const r = await runClass(
        '503 SlowDown at 25 %, Retry-After: 1',
        () => [
          {
            rate: 0.25,
            fault: { kind: 'status', status: 503, code: 'SlowDown', retryAfter: '1' },
          },
        ],
        SEEDS,
      );
      expect(r.injected).toBeGreaterThan(5);
      expect(r.waits.length).toBeGreaterThan(0);
      expect(Math.min(...r.waits)).toBeGreaterThanOrEqual(1000);
    },
    T,
  );

  test(
    '500 InternalError at a rate — retried with jittered waits',
    async () => {
      const r = await runClass(
        '500 InternalError at 25 %',
        () => [{ rate: 0.25, fault: { kind: 'status', status: 500, code: 'InternalError' } }],
        SEEDS,
      );
      expect(r.injected).toBeGreaterThan(5);
      // full jitter: the waits differ (a fixed backoff would synchronise retries)
      expect(new Set(r.waits).size).toBeGreaterThan(Math.min(3, r.waits.length - 1));
    },
    T,
  );

  test(
    'all of them mixed, several seeds',
    async () => {
      const r = await runClass(
        'mixed: resets, lost answers, 503, 500',
        () => [
          { match: { method: 'PUT' }, rate: 0.08, fault: { kind: 'reset-request' } },
          { rate: 0.06, fault: { kind: 'reset-response' } },
          { rate: 0.08, fault: { kind: 'status', status: 503, code: 'SlowDown' } },
          { rate: 0.06, fault: { kind: 'status', status: 500, code: 'InternalError' } },
        ],
        [21, 22, 23, 24],
      );
      expect(r.injected).toBeGreaterThan(10);
    },
    T,
  );
});
