/**
 * Issue 3, renewal during a deploy, with real parts: the gateway's STS, the emulated GitHub
 * ID-token service and the real S3 store, in process so the credentials' clock can be injected.
 *
 * STS will not issue sessions shorter than 900 s (RGW answers 400 below that), so instead of
 * waiting 15 minutes the renewal window is widened: credentials count as due for renewal once
 * less than 900 s - 100 ms is left, i.e. 100 ms after STS issued them (timestamps are STS's own
 * Expiration and the real clock). Each request of the 40-file deploy (concurrency 1) is held
 * 20 ms before it is signed, so the deploy lasts at least 0.8 s and needs several sessions. What this proves: s3ship notices the coming expiry by itself, asks
 * GitHub for a fresh token and STS for a new session in the middle of the deploy, and the
 * requests after each renewal are signed with the new session and accepted by the gateway; no
 * request fails. It does not prove the gateway rejects an expired session (that takes 900 s);
 * the unit test credentials-refresh.test.ts covers the timing with an injected clock.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveCredentials } from '../../src/credentials.js';
import { DEFAULT_CREDENTIALS } from '../../src/credentials/config.js';
import { run } from '../../src/deploy.js';
import type { DeployEvent } from '../../src/events.js';
import { S3Store } from '../../src/store/s3-store.js';
import { testConfig } from '../support/fixtures.js';
import { startGithubTokenEndpoint, type GithubTokenEndpoint } from '../support/oidc-github.js';
import { startOidcIssuer, type OidcIssuer } from '../support/oidc.js';
import {
  createTestBucket,
  isStateKey,
  listKeys,
  makeTree,
  siteKeys,
  testGateway,
} from '../support/s3.js';
import { createWebIdentityRole, registerIssuer, requireSts, uniqueName } from '../support/sts.js';

let issuer: OidcIssuer;
let github: GithubTokenEndpoint;

beforeAll(async () => {
  requireSts();
  issuer = await startOidcIssuer();
  github = await startGithubTokenEndpoint(issuer, {
    sub: 'repo:octo-org/site:ref:refs/heads/main',
  });
  await registerIssuer(issuer);
});

afterAll(async () => {
  await github?.close();
  await issuer?.close();
});

test('a deploy outliving its sessions renews them as it goes and fails nothing', async () => {
  const gw = testGateway();
  const bucket = await createTestBucket('refresh');
  const roleArn = await createWebIdentityRole(
    uniqueName('s3ship-refresh'),
    issuer,
    ['repo:octo-org/site:*'],
    bucket,
  );
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) files[`assets/f${i}.js`] = `export const n = ${i};\n`;
  const source = await makeTree(await mkdtemp(path.join(os.tmpdir(), 's3ship-refresh-')), files);

  const masked: string[] = [];
  const credentials = await resolveCredentials({
    config: {
      ...DEFAULT_CREDENTIALS,
      source: 'web-identity',
      webIdentity: { ...DEFAULT_CREDENTIALS.webIdentity, roleArn, durationSeconds: 900 },
    },
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
    },
    target: { endpoint: gw.endpoint, region: gw.region },
    refreshWindowMs: 900_000 - 100,
    mask: (s) => masked.push(s),
  });
  const tokensBefore = github.audiences.length;
  // Every request the store signs asks the provider first: record which session signed it.
  const used: string[] = [];
  const provider = Object.assign(
    async () => {
      await new Promise((r) => setTimeout(r, 20));
      const c = await credentials.provider();
      used.push(c.accessKeyId);
      return c;
    },
    { memoized: true },
  );
  const target = { bucket, prefix: '', region: gw.region, endpoint: gw.endpoint };
  const store = new S3Store({ target, pathStyle: true, credentials: provider, maxSockets: 1 });
  const events: DeployEvent[] = [];
  const config = testConfig(source, {
    target: { ...target, pathStyle: true },
    concurrency: 1,
  });
  const result = await run(
    { config, dryRun: false, force: false },
    { env: {}, emit: (e) => events.push(e), createStore: () => store },
  );

  expect(result.fatal).toBeUndefined();
  expect(result.outcomes?.filter((o) => o.status !== 'done')).toEqual([]);
  expect(await siteKeys(bucket)).toEqual(Object.keys(files).sort());
  // 40 uploads and the deploy state's requests, over at least 0.8 s, each session good for
  // 100 ms: several renewals
  const sessions = [...new Set(used)];
  expect(credentials.fetches()).toBeGreaterThanOrEqual(3);
  expect(sessions.length).toBe(credentials.fetches());
  // each renewal asked GitHub for a fresh token (not the first one again)
  expect(github.audiences.length - tokensBefore).toBe(credentials.fetches() - 1);
  // and the last requests went out signed with the last session
  expect(used.at(-1)).toBe(sessions.at(-1));
  // every session's secret and token was handed to the masker before use
  expect(masked.length).toBeGreaterThanOrEqual(2 * sessions.length);
  expect(events.filter((e) => e.type === 'failed')).toEqual([]);
  // nothing the deploy reported (events, result) carries any of those secrets
  const reported = JSON.stringify({ events, result, source: (await credentials.described).source });
  expect(masked.filter((secret) => reported.includes(secret))).toEqual([]);
});

test('when renewal is impossible and the session is over, the deploy stops with exit 3', async () => {
  const gw = testGateway();
  const bucket = await createTestBucket('norenew');
  const roleArn = await createWebIdentityRole(
    uniqueName('s3ship-norenew'),
    issuer,
    ['repo:octo-org/site:*'],
    bucket,
  );
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) files[`f${i}.txt`] = `${i}\n`;
  const source = await makeTree(await mkdtemp(path.join(os.tmpdir(), 's3ship-norenew-')), files);
  // a token service of its own, gone once the first session is issued
  const service = await startGithubTokenEndpoint(issuer, { sub: 'repo:octo-org/site:ref:x' });
  let calls = 0;
  // after 10 requests the clock jumps past the session's end (900 s)
  const now = () => Date.now() + (calls > 10 ? 1000_000 : 0);
  const credentials = await resolveCredentials({
    config: {
      ...DEFAULT_CREDENTIALS,
      source: 'web-identity',
      webIdentity: { ...DEFAULT_CREDENTIALS.webIdentity, roleArn, durationSeconds: 900 },
    },
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: service.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: service.requestToken,
    },
    target: { endpoint: gw.endpoint, region: gw.region },
    now,
  });
  await service.close();
  const provider = Object.assign(
    async () => {
      calls += 1;
      return credentials.provider();
    },
    { memoized: true },
  );
  const target = { bucket, prefix: '', region: gw.region, endpoint: gw.endpoint };
  const store = new S3Store({ target, pathStyle: true, credentials: provider, maxSockets: 1 });
  const config = testConfig(source, { target: { ...target, pathStyle: true }, concurrency: 1 });
  const result = await run(
    { config, dryRun: false, force: false },
    { env: {}, emit: () => undefined, createStore: () => store },
  );

  expect(result.fatalCode).toBe('CREDENTIALS');
  expect(result.fatal).toMatch(
    /failed: CredentialsUnavailable — Requesting a GitHub OIDC token from http:\/\/127\.0\.0\.1:\d+ failed: .* — .*; fix: /,
  );
  const uploaded = await listKeys(bucket);
  // no deploy state is written after a fatal error: every key there is an upload's
  expect(uploaded.filter(isStateKey)).toEqual([]);
  // the first requests went through; none after the session ended
  expect(uploaded.length).toBeGreaterThan(0);
  expect(uploaded.length).toBeLessThan(30);
  expect(result.outcomes?.filter((o) => o.status === 'done')).toHaveLength(uploaded.length);
});
