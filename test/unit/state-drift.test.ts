/**
 * Settings drift: when a rule changes and the bytes do not, the next deploy replaces the
 * settings of exactly the objects the rule covers, in place (CopyObject; no byte is sent
 * again), says what changed old → new, and leaves every object as the rules say. The deploy
 * after that writes nothing at all. With the deploy state the settings come from its records;
 * without one (deleted) they are read with HeadObject — same plan, same bucket.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rm } from 'node:fs/promises';
import type { ObjectSettings, Rule } from '../../src/config.js';
import { tempTree } from '../support/fixtures.js';
import { fileWrites, MemoryStore, writes } from '../support/memory-store.js';
import {
  deploy,
  expectBucketAsRules,
  keysOf,
  stateConfig,
  stateKey,
  storedState,
  warnings,
} from './state-support.js';

const MiB = 1024 * 1024;
const files: Record<string, string> = {
  'index.html': '<html>home</html>',
  'docs/index.html': '<html>docs</html>',
  'assets/app.js': 'console.log("app");',
  'assets/style.css': 'body { color: red }',
  'img/logo.svg': '<svg/>',
};
/** Multipart on upload (ETag "…-3"): a copy in place keeps its bytes as well. */
const big = 'x'.repeat(2 * MiB + 10);
const all = { ...files, 'assets/big.bin': big };
/** What the changed rule covers. */
const affected = ['site/assets/app.js', 'site/assets/big.bin', 'site/assets/style.css'];
let source: string;

beforeAll(async () => {
  source = await tempTree(all);
});
afterAll(async () => {
  await rm(source, { recursive: true, force: true });
});

/** A rule every file has, and the one under test on assets/. */
const rulesWith = (settings: ObjectSettings): Rule[] => [
  { match: ['**/*.html'], cacheControl: 'no-cache' },
  { match: ['assets/**'], ...settings },
];

const config = (rules: Rule[]) =>
  stateConfig(source, rules, { multipart: { threshold: 1 * MiB, partSize: 1 * MiB } });

interface DriftCase {
  name: string;
  before: ObjectSettings;
  after: ObjectSettings;
  /** The plan's detail for app.js (its Content-Type is application/javascript). */
  detail: string;
}

const cases: DriftCase[] = [
  {
    name: 'cache_control',
    before: { cacheControl: 'max-age=60' },
    after: { cacheControl: 'public, max-age=31536000, immutable' },
    detail: 'cache-control max-age=60 → public, max-age=31536000, immutable',
  },
  {
    name: 'content_type',
    before: { contentType: 'text/plain' },
    after: { contentType: 'application/x-custom' },
    detail: 'content-type text/plain → application/x-custom',
  },
  {
    name: 'metadata (a value changed, a key added)',
    before: { metadata: { team: 'web' } },
    after: { metadata: { team: 'platform', build: '42' } },
    detail: 'x-amz-meta-build (none) → 42; x-amz-meta-team web → platform',
  },
  {
    name: 'content_disposition',
    before: { contentDisposition: 'inline' },
    after: { contentDisposition: 'attachment' },
    detail: 'content-disposition inline → attachment',
  },
  {
    name: 'content_language',
    before: { contentLanguage: 'en' },
    after: { contentLanguage: 'fr' },
    detail: 'content-language en → fr',
  },
  {
    name: 'storage_class (from the default)',
    before: {},
    after: { storageClass: 'STANDARD_IA' },
    detail: 'x-amz-storage-class STANDARD → STANDARD_IA',
  },
  {
    name: 'storage_class',
    before: { storageClass: 'STANDARD_IA' },
    after: { storageClass: 'GLACIER_IR' },
    detail: 'x-amz-storage-class STANDARD_IA → GLACIER_IR',
  },
  {
    name: 'website_redirect',
    before: { websiteRedirect: '/old.html' },
    after: { websiteRedirect: '/new.html' },
    detail: 'x-amz-website-redirect-location /old.html → /new.html',
  },
  {
    name: 'acl (known from the state: HeadObject cannot show it)',
    before: { acl: 'private' },
    after: { acl: 'public-read' },
    detail: 'x-amz-acl private → public-read',
  },
  {
    name: 'a rule that removes a header',
    before: { cacheControl: 'max-age=60', contentLanguage: 'en' },
    after: {},
    detail: 'cache-control max-age=60 → (none); content-language en → (none)',
  },
  {
    name: 'a rule that removes the metadata',
    before: { metadata: { team: 'web' } },
    after: {},
    detail: 'x-amz-meta-team web → (none)',
  },
];

describe.each(cases)('settings drift: $name', ({ before, after, detail }) => {
  test('only the covered objects are updated in place, old → new; the next deploy writes nothing', async () => {
    const store = new MemoryStore();
    await deploy(store, config(rulesWith(before)));
    expectBucketAsRules(store, all, rulesWith(before));
    expect(store.objects.get('site/assets/big.bin')?.etag).toMatch(/-3$/);
    const bodies = new Map([...store.objects].map(([k, o]) => [k, o.body]));

    const mark = store.calls.length;
    const changed = await deploy(store, config(rulesWith(after)));
    const items = [...changed.result.plan.assets, ...changed.result.plan.entries];
    expect(items.map((i) => [i.key, i.action, i.reason]).sort()).toEqual(
      affected.map((k) => [k, 'update', 'settings']),
    );
    expect(items.find((i) => i.key === 'site/assets/app.js')?.detail).toBe(detail);
    // In place: a CopyObject of each, no byte of a site file sent again.
    expect(keysOf(fileWrites(store, mark), 'CopyObject')).toEqual(affected);
    expect(fileWrites(store, mark).filter((c) => c.operation !== 'CopyObject')).toEqual([]);
    expect(changed.result.outcomes?.every((o) => o.status === 'done')).toBe(true);
    const updated = changed.events.flatMap((e) => (e.type === 'updated' ? [e.key] : []));
    expect(updated.sort()).toEqual(affected);
    for (const [key, body] of bodies)
      if (key !== stateKey()) expect(store.objects.get(key)?.body.equals(body)).toBe(true);
    expectBucketAsRules(store, all, rulesWith(after));
    // The state now says so.
    const state = storedState(store);
    for (const key of affected)
      expect(state.records.get(key)?.lastModified).toBe(store.objects.get(key)?.lastModified);

    const quiet = store.calls.length;
    const again = await deploy(store, config(rulesWith(after)));
    expect(writes(store, quiet)).toEqual([]);
    expect(again.calls.filter((c) => c.operation === 'HeadObject')).toEqual([]);
  });
});

describe('settings drift without a deploy state (read with HeadObject)', () => {
  test.each(cases.filter((c) => c.before.acl === undefined && c.after.acl === undefined))(
    '$name: the same updates, then nothing',
    async ({ before, after, detail }) => {
      const store = new MemoryStore();
      await deploy(store, config(rulesWith(before)));
      store.objects.delete(stateKey());
      const changed = await deploy(store, config(rulesWith(after)));
      expect(warnings(changed.events)).toEqual([expect.stringMatching(/^no deploy state at/)]);
      const items = [...changed.result.plan.assets, ...changed.result.plan.entries];
      expect(items.map((i) => [i.key, i.action]).sort()).toEqual(
        affected.map((k) => [k, 'update']),
      );
      expect(items.find((i) => i.key === 'site/assets/app.js')?.detail).toBe(detail);
      expect(keysOf(changed.calls, 'PutObject')).toEqual([stateKey()]);
      expectBucketAsRules(store, all, rulesWith(after));
      const quiet = store.calls.length;
      await deploy(store, config(rulesWith(after)));
      expect(writes(store, quiet)).toEqual([]);
    },
  );

  test('an ACL no HeadObject shows is applied again (taken to differ), then known', async () => {
    const rules = rulesWith({ acl: 'public-read' });
    const store = new MemoryStore();
    await deploy(store, config(rules));
    store.objects.delete(stateKey());
    const blind = await deploy(store, config(rules));
    const items = [...blind.result.plan.assets, ...blind.result.plan.entries];
    expect(items.map((i) => [i.key, i.action]).sort()).toEqual(affected.map((k) => [k, 'update']));
    expect(items[0]?.detail).toBe('x-amz-acl unknown → public-read');
    expectBucketAsRules(store, all, rules);
    const quiet = store.calls.length;
    await deploy(store, config(rules));
    expect(writes(store, quiet)).toEqual([]);
  });
});
