/**
 * Shared by the report tests: real deploy results (the engine against the in-memory store,
 * with failures injected where asked) and a terminal that records what was written.
 */
import { run, type RunResult } from '../../src/deploy.js';
import type { DeployConfig } from '../../src/config.js';
import type { DeployEvent } from '../../src/events.js';
import type { ReportContext, Terminal } from '../../src/report/reporter.js';
import { MemoryStore, type FailureRule } from '../support/memory-store.js';
import { noWait, tempTree, testConfig } from '../support/fixtures.js';

export interface Deployed {
  result: RunResult;
  events: DeployEvent[];
  store: MemoryStore;
}

export async function deployTree(
  files: Record<string, string>,
  options: {
    failures?: FailureRule[];
    dryRun?: boolean;
    config?: Partial<DeployConfig>;
    store?: MemoryStore;
  } = {},
): Promise<Deployed> {
  const store = options.store ?? new MemoryStore();
  store.failures = options.failures ?? [];
  const source = await tempTree(files);
  const events: DeployEvent[] = [];
  const result = await run(
    { config: testConfig(source, options.config), dryRun: options.dryRun ?? false, force: false },
    { env: {}, emit: (e) => events.push(e), retry: noWait, createStore: () => store },
  );
  return { result, events, store };
}

export interface RecordedTerminal extends Terminal {
  stdout: string[];
  stderr: string[];
  /** Everything in the order written, raw writes included. */
  screen: string[];
}

export function recordingTerminal(
  options: { tty?: boolean; color?: boolean } = {},
): RecordedTerminal {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const screen: string[] = [];
  return {
    stdout,
    stderr,
    screen,
    out: (line) => {
      stdout.push(line);
      screen.push(`${line}\n`);
    },
    err: (line) => {
      stderr.push(line);
      screen.push(`${line}\n`);
    },
    errRaw: (text) => screen.push(text),
    tty: options.tty ?? false,
    outTty: options.tty ?? false,
    columns: 120,
    color: options.color ?? false,
  };
}

export function reportContext(
  terminal: Terminal,
  overrides: Partial<ReportContext> = {},
): ReportContext {
  return {
    command: 'deploy',
    dryRun: false,
    json: false,
    terminal,
    files: {},
    env: {},
    cwd: process.cwd(),
    progressIntervalSeconds: 0,
    ...overrides,
  };
}

/** `n` small asset files plus two entry documents. */
export function site(n: number): Record<string, string> {
  const files: Record<string, string> = {
    'index.html': '<!doctype html><title>home</title>',
    'docs/index.html': '<!doctype html><title>docs</title>',
  };
  for (let i = 0; i < n; i++) files[`assets/f${i}.js`] = `export const n = ${i};\n`;
  return files;
}
