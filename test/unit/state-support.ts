/**
 * Shared by the deploy-state tests: a deploy through `run()` into a MemoryStore, the state as
 * stored, and each object's settings as the store holds them.
 */
import { expect } from '@jest/globals';
import type { DeployConfig, ObjectSettings, Rule } from '../../src/config.js';
import { withContentType } from '../../src/content-type.js';
import { run, type RunOptions, type RunResult } from '../../src/deploy.js';
import type { DeployEvent } from '../../src/events.js';
import { wantedHeaders, type HeaderSet } from '../../src/object-headers.js';
import { settingsResolver } from '../../src/settings.js';
import { decodeState, type DeployState } from '../../src/state/document.js';
import { DEFAULT_STATE_NAME } from '../../src/state/location.js';
import { MD5_METADATA_KEY } from '../../src/upload.js';
import { noWait, testConfig } from '../support/fixtures.js';
import type { MemoryStore, StoredObject } from '../support/memory-store.js';

export interface Deployed {
  result: RunResult;
  events: DeployEvent[];
  /** The store's requests this deploy made. */
  calls: { operation: string; key: string }[];
}

export async function deploy(
  store: MemoryStore,
  config: DeployConfig,
  options: Partial<Omit<RunOptions, 'config'>> = {},
): Promise<Deployed> {
  const events: DeployEvent[] = [];
  const before = store.calls.length;
  const result = await run(
    { config, dryRun: false, force: false, ...options },
    { env: {}, emit: (e) => events.push(e), retry: noWait, createStore: () => store },
  );
  return { result, events, calls: store.calls.slice(before) };
}

/** A config for `source` into s3://mem/<prefix> with these rules. */
export function stateConfig(
  source: string,
  rules: Rule[],
  overrides: Partial<DeployConfig> = {},
): DeployConfig {
  return testConfig(source, {
    target: {
      bucket: 'mem',
      prefix: overrides.target?.prefix ?? 'site/',
      region: undefined,
      endpoint: undefined,
      pathStyle: true,
    },
    rules,
    ...overrides,
  });
}

export const stateKey = (prefix = 'site/') => `${prefix}${DEFAULT_STATE_NAME}`;

/** The state object as stored, decoded (fails the test if it is missing or unusable). */
export function storedState(store: MemoryStore, prefix = 'site/'): DeployState {
  const object = store.objects.get(stateKey(prefix));
  if (!object) throw new Error(`no deploy state at ${stateKey(prefix)}`);
  return decodeState(object.body, 'mem', prefix);
}

/** An object's settings as the store holds them (ACLs included), as a settings set. */
export function settingsOf(object: StoredObject): HeaderSet {
  const headers: Record<string, string> = { ...object.headers };
  for (const [name, value] of Object.entries(object.metadata))
    if (name !== MD5_METADATA_KEY) headers[`x-amz-meta-${name}`] = value;
  return Object.fromEntries(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** What the rules say `relPath`'s object's settings are. */
export function wantedFor(rules: Rule[], relPath: string): HeaderSet {
  const settings: ObjectSettings = settingsResolver(rules)(relPath);
  return wantedHeaders(withContentType(settings, relPath));
}

/** Every object of `files` under `prefix` has its bytes and the settings `rules` give it. */
export function expectBucketAsRules(
  store: MemoryStore,
  files: Record<string, string>,
  rules: Rule[],
  prefix = 'site/',
): void {
  for (const [relPath, text] of Object.entries(files)) {
    const object = store.objects.get(prefix + relPath);
    expect([relPath, object?.body.toString()]).toEqual([relPath, text]);
    expect([relPath, settingsOf(object!)]).toEqual([relPath, wantedFor(rules, relPath)]);
  }
}

/** The keys of the calls of `operation`, sorted. */
export function keysOf(calls: Deployed['calls'], operation: string): string[] {
  return calls
    .filter((c) => c.operation === operation)
    .map((c) => c.key)
    .sort();
}

export function warnings(events: DeployEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
}
