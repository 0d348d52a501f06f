/**
 * The JUnit XML report that GitLab (`artifacts:reports:junit`) and Jenkins (the `junit` step)
 * read: one test case per key the deploy acted on (classname `s3ship.upload` or
 * `s3ship.delete`, name the object key), a failed upload or delete as a failed case with the
 * one-line explanation, work stopped by a fatal error as skipped cases. A run that ended before
 * any plan is one failed case. Attributes stay within the Jenkins JUnit schema (junit-4.xsd).
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { RunResult } from '../deploy.js';
import type { Outcome } from '../execute.js';
import type { PlanItem } from '../plan.js';
import type { ReportedError } from './reporter.js';
import { formatBytes } from './summary.js';

export interface JunitOptions {
  command: 'deploy' | 'plan';
  dryRun: boolean;
  timestamp: Date;
  hostname: string;
}

export interface JunitReport {
  xml: string;
  tests: number;
  failures: number;
  skipped: number;
}

interface TestCase {
  '@_classname': string;
  '@_name': string;
  failure?: { '@_message': string; '@_type': string; '#text': string };
  skipped?: string;
  'system-out'?: string;
  'system-err'?: string;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  suppressEmptyNode: true,
});

/** XML 1.0 refuses most control characters even when escaped; S3 messages may carry them. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const xmlText = (text: string) => text.replace(NOT_XML, '?').replace(LONE_SURROGATE, '\uFFFD');
/** Attribute values are normalised to one line by parsers; make that visible up front. */
const oneLine = (text: string) => xmlText(text).replace(/\s+/g, ' ').trim();

export function junitFromResult(result: RunResult, options: JunitOptions): JunitReport {
  const outcomes = new Map<PlanItem, Outcome>(result.outcomes?.map((o) => [o.item, o]) ?? []);
  const { plan } = result;
  const cases = [...plan.assets, ...plan.entries, ...plan.deletes].map((item) =>
    testCase(item, outcomes.get(item), options.dryRun),
  );
  const target = `s3://${result.target.bucket}/${result.target.prefix}`;
  return build(`s3ship ${options.command} ${target}`, cases, result.durationMs / 1000, options);
}

function testCase(item: PlanItem, outcome: Outcome | undefined, dryRun: boolean): TestCase {
  return withWarning(item, caseFor(item, outcome, dryRun));
}

/** A warning about the key (new bytes under an immutable Cache-Control) goes to its system-err. */
function withWarning(item: PlanItem, testCase: TestCase): TestCase {
  return item.warning
    ? { ...testCase, 'system-err': `warning: ${xmlText(item.warning)}` }
    : testCase;
}

function caseFor(item: PlanItem, outcome: Outcome | undefined, dryRun: boolean): TestCase {
  const base: TestCase = { '@_classname': `s3ship.${item.action}`, '@_name': xmlText(item.key) };
  const what =
    item.action === 'upload'
      ? `${item.reason}, ${formatBytes(item.size)}`
      : item.action === 'update'
        ? `${item.reason}: ${item.detail ?? ''}`
        : item.reason;
  if (dryRun || !outcome) return { ...base, skipped: `dry run: would ${item.action} (${what})` };
  if (outcome.status === 'failed') {
    const message = outcome.message ?? `${item.action} failed`;
    return {
      ...base,
      failure: {
        '@_message': oneLine(message),
        '@_type': `${item.action} failed`,
        '#text': xmlText(message),
      },
    };
  }
  if (outcome.status === 'not-run')
    return { ...base, skipped: xmlText(outcome.message ?? 'not run') };
  const sent = outcome.bytes !== undefined ? `, ${formatBytes(outcome.bytes)} sent` : '';
  return {
    ...base,
    'system-out': `${PAST[item.action]} (${what}${item.action === 'update' ? '' : sent})`,
  };
}

const PAST: Record<PlanItem['action'], string> = {
  upload: 'uploaded',
  update: 'updated in place',
  delete: 'deleted',
  skip: 'skipped',
  keep: 'kept',
};

export function junitFromError(error: ReportedError, options: JunitOptions): JunitReport {
  const text = [error.message, ...error.details].join('\n');
  const failed: TestCase = {
    '@_classname': 's3ship',
    '@_name': options.command,
    failure: { '@_message': oneLine(error.message), '@_type': error.code, '#text': xmlText(text) },
  };
  return build(`s3ship ${options.command}`, [failed], 0, options);
}

function build(name: string, cases: TestCase[], seconds: number, options: JunitOptions) {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const time = seconds.toFixed(3);
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 's3ship',
      '@_tests': cases.length,
      '@_failures': failures,
      '@_errors': 0,
      '@_time': time,
      testsuite: {
        '@_name': xmlText(name),
        '@_tests': cases.length,
        '@_failures': failures,
        '@_errors': 0,
        '@_skipped': skipped,
        '@_time': time,
        // The Ant schema's form: no zone designator, UTC.
        '@_timestamp': options.timestamp.toISOString().slice(0, 19),
        '@_hostname': xmlText(options.hostname),
        testcase: cases,
      },
    },
  };
  return { xml: builder.build(document), tests: cases.length, failures, skipped };
}
