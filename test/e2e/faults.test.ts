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
import { runFaultClass, type ClassResult } from '../support/fault-runs.js';
import { makeScenario, type Scenario } from '../support/fault-scenario.js';
import { deleteTestBucket, testGateway } from '../support/s3.js';

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

const runClass = (klass: string, rules: () => FaultRule[], seeds: number[]): Promise<ClassResult> =>
  runFaultClass({ scenario, proxy, klass, rules, seeds, file: 'faults.test.ts' });

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
    'every CreateMultipartUpload answer lost: the uploads it made anyway are found and aborted',
    async () => {
      // The store creates the upload and the answer never arrives, on every attempt: the create
      // gives up. Its id was never learnt, so only a sweep of the key's open uploads can find
      // them (after the run, the bucket check requires that no upload is left open).
      const r = await runClass(
        'every CreateMultipartUpload answer lost',
        () => [
          {
            match: { method: 'POST', target: /[?&]uploads(=|&|$)/ },
            rate: 1,
            fault: { kind: 'reset-response' },
          },
        ],
        [13],
      );
      expect(r.failedRuns.length).toBe(r.runs);
      expect(r.injected).toBeGreaterThanOrEqual(5);
      expect(r.stderr.join('\n')).toMatch(
        /aborted [1-9]\d* multipart upload\(s\) of \S+ that a CreateMultipartUpload made although its answer was lost/,
      );
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
    'answers held back past the request timeout — timed out and retried',
    async () => {
      const r = await runFaultClass({
        scenario,
        proxy,
        klass: 'answer held 6 s, past request_timeout: 2',
        rules: () => [{ rate: 0.1, limit: 3, fault: { kind: 'stall', ms: 6000 } }],
        extraSpec: 'request_timeout: 2\n',
        seeds: SEEDS,
        file: 'faults.test.ts',
      });
      expect(r.injected).toBeGreaterThan(0);
      expect(r.stderr.join('\n')).toMatch(/got ETIMEDOUT; waiting/);
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
