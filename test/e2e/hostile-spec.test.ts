/**
 * Hostile and broken specs, end to end: each must give a positioned error (file:line:column, or
 * the file for whole-file problems), exit 2, and send nothing. "Nothing" is checked twice, from
 * outside s3ship: every spec points at a fault proxy that counts TCP connections (none may
 * arrive), and the gateway's own access log must show no request for the spec's bucket.
 * (The loader's own unit tests, test/unit/spec*.test.ts, cover the messages in detail.)
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FaultProxy } from '../support/fault-proxy.js';
import { recordCase } from '../support/reliability.js';
import {
  logOffset,
  makeTree,
  requestsSince,
  runCli,
  testGateway,
  uniqueBucketName,
} from '../support/s3.js';

let proxy: FaultProxy;
let dir: string;

beforeAll(async () => {
  proxy = await FaultProxy.start({ upstream: testGateway().endpoint });
  dir = await mkdtemp(path.join(os.tmpdir(), 's3ship-hostile-spec-'));
  await makeTree(path.join(dir, 'public'), { 'index.html': '<p>hi</p>' });
});

afterAll(async () => {
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
});

const head = (bucket: string) =>
  `version: 1\nsource: ./public\ntarget:\n  endpoint: ${proxy.endpoint}\n  bucket: ${bucket}\n`;

/** A billion-laughs document: 9 levels of 9 aliases each, 9^9 strings once expanded. */
function aliasBomb(): string {
  const lines = ['bomb:', '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++)
    lines.push(
      `  ${names[i]}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(',')}]`,
    );
  return `${lines.join('\n')}\n`;
}

interface Case {
  klass: string;
  spec: (bucket: string) => string;
  /** What the error must say (after `<file>:`). */
  expect: RegExp;
}

const CASES: Case[] = [
  {
    klass: 'invalid YAML',
    spec: (b) => `${head(b)}  region: [unclosed\n`,
    expect: /s3ship\.yml:\d+:\d+: YAML syntax error/,
  },
  {
    klass: 'invalid YAML: tab indentation',
    spec: (b) => `${head(b)}\tprefix: x\n`,
    expect: /s3ship\.yml:\d+:\d+: /,
  },
  {
    klass: 'wrong types',
    spec: (b) => `${head(b)}concurrency: "lots"\ndelete: maybe\nrules: {}\n`,
    expect: /s3ship\.yml:6:14: concurrency: expected an integer from 1 to 256, got "lots"/,
  },
  {
    klass: 'unknown keys (typos)',
    spec: (b) => `${head(b)}  bukcet: oops\ndelet: true\n`,
    expect: /s3ship\.yml:6:3: target\.bukcet: unknown key "bukcet"; did you mean "bucket"\?/,
  },
  {
    klass: 'huge values: out-of-range numbers',
    spec: (b) => `${head(b)}concurrency: 999999999999999999999999\nmax_delete: -1\n`,
    expect: /s3ship\.yml:6:14: concurrency: expected an integer from 1 to 256/,
  },
  {
    klass: 'huge values: a 300 kB string',
    spec: (b) => `${head(b)}  prefix: "${'p/'.repeat(150_000)}"\n`,
    expect: /s3ship\.yml:\d+:\d+: target\.prefix: /,
  },
  {
    klass: 'huge values: a 2 MB spec file',
    spec: (b) => `${head(b)}# ${'#'.repeat(2_000_000)}\n`,
    expect: /s3ship\.yml: the file is \d+ bytes; a spec may be at most 1 MiB/,
  },
  {
    klass: 'YAML alias bomb (billion laughs)',
    spec: (b) => `${head(b)}${aliasBomb()}`,
    expect: /s3ship\.yml:\d+:\d+: too many alias \(\*name\) expansions/,
  },
  {
    klass: 'alias to no anchor',
    spec: (b) => `${head(b)}include: *nowhere\n`,
    expect: /s3ship\.yml:6:10: .*alias \*nowhere refers to no anchor/,
  },
  {
    klass: '${VAR} referencing an unset variable',
    spec: () =>
      `version: 1\nsource: ./public\ntarget:\n  endpoint: ${proxy.endpoint}\n  bucket: \${S3SHIP_TEST_UNSET_BUCKET}\n`,
    expect:
      /s3ship\.yml:5:11: target\.bucket: environment variable S3SHIP_TEST_UNSET_BUCKET is not set/,
  },
  {
    klass: '${VAR} whose value tries to inject YAML',
    spec: (b) => `${head(b)}  prefix: \${S3SHIP_TEST_INJECT}\n`,
    expect: /s3ship\.yml:6:11: target\.prefix: /,
  },
];

describe('hostile specs: a positioned error, exit 2, no request sent', () => {
  const done: string[] = [];
  test.each(CASES.map((c) => [c.klass, c] as const))('%s', async (_, c) => {
    const bucket = uniqueBucketName('hostile-spec');
    const spec = path.join(dir, 's3ship.yml');
    await writeFile(spec, c.spec(bucket));
    const mark = logOffset();
    const before = proxy.connections;
    const run = await runCli(['deploy', '-c', 's3ship.yml'], {
      cwd: dir,
      // the injection case: a value that would add a key if it were pasted into the YAML
      env: { S3SHIP_TEST_INJECT: 'x\ndelete: true\nsource: /etc' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/problems?; nothing was sent/);
    expect(run.stderr).toMatch(c.expect);
    expect(run.stderr).not.toMatch(/unexpected failure|at .*\.js:\d+/);
    expect(proxy.connections - before).toBe(0);
    const logged = (await requestsSince(mark)).filter((r) => r.bucket === bucket);
    expect(logged).toEqual([]);
    done.push(`${c.klass}: ${/s3ship\.yml[^\n]*/.exec(run.stderr)?.[0].slice(0, 100) ?? ''}`);
  });

  afterAll(() => {
    recordCase({
      group: 'Hostile input',
      klass:
        'specs: invalid YAML, wrong types, unknown keys, huge values, alias bomb, unset ${VAR}, injection via ${VAR}',
      cases: done.length,
      unit: 'specs',
      did: `exit 2 with file:line:column for each; 0 connections at the proxy, 0 requests for the bucket in the gateway log`,
      verified: 0,
      lost: 0,
      openUploads: 0,
      test: 'hostile-spec.test.ts',
      verdict: 'no request sent',
    });
  });
});
