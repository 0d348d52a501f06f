/**
 * The listing on the real gateway: pages of ListObjectsV2 in key order, and `start-after` — a
 * listing resumed after a failure continues after the last key it handed on instead of listing
 * everything again (the retrying listing keeps no set of the keys seen). The store asks for
 * the next page before handing on the current one: with pages of two keys, every key still
 * arrives once and in order, and a caller that stops early is not left with a failing request.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { run } from '../../src/deploy.js';
import { S3Store } from '../../src/store/s3-store.js';
import type { StoreTarget } from '../../src/store/store.js';
import { tempTree, testConfig } from '../support/fixtures.js';
import { createTestBucket, deleteTestBucket, putObject, testGateway } from '../support/s3.js';

let bucket: string;
let store: S3Store;
/** The same bucket in pages of two keys. */
let paged: S3Store;
// In UTF-8 byte order: 'é' (0xC3 0xA9) sorts after 'z'.
const keys = ['site/a.html', 'site/b/c.js', 'site/b/d.css', 'site/z z.txt', 'site/é.txt'];

beforeAll(async () => {
  bucket = await createTestBucket('listing');
  const gw = testGateway();
  const target: StoreTarget = {
    bucket,
    prefix: 'site/',
    region: gw.region,
    endpoint: gw.endpoint,
  };
  const options = {
    target,
    pathStyle: true,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    maxSockets: 2,
  };
  store = new S3Store(options);
  paged = new S3Store({ ...options, listPageSize: 2 });
  for (const key of [...keys, 'other/x.txt']) {
    await store.put({
      key,
      body: Buffer.from(key),
      contentMd5: md5Base64(key),
      settings: { contentType: 'text/plain' },
      metadata: {},
    });
  }
}, 60_000);

afterAll(async () => {
  store.destroy();
  paged.destroy();
  await deleteTestBucket(bucket);
});

async function listed(startAfter?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of store.list('site/', undefined, startAfter)) {
    out.push(...page.map((o) => o.key));
  }
  return out;
}

test('lists the prefix in key order (UTF-8 bytes), nothing outside it', async () => {
  expect(await listed()).toEqual(keys);
});

test('start-after resumes after that key, even one not in the bucket', async () => {
  expect(await listed('site/b/c.js')).toEqual(['site/b/d.css', 'site/z z.txt', 'site/é.txt']);
  expect(await listed('site/b/cz')).toEqual(['site/b/d.css', 'site/z z.txt', 'site/é.txt']);
  expect(await listed('site/z z.txt')).toEqual(['site/é.txt']);
  expect(await listed('site/é.txt')).toEqual([]);
});

test('pages read ahead: every key once, in order, page by page', async () => {
  const pages: string[][] = [];
  for await (const page of paged.list('site/')) pages.push(page.map((o) => o.key));
  expect(pages).toEqual([keys.slice(0, 2), keys.slice(2, 4), keys.slice(4)]);
  const resumed: string[] = [];
  for await (const page of paged.list('site/', undefined, 'site/a.html'))
    resumed.push(...page.map((o) => o.key));
  expect(resumed).toEqual(keys.slice(1));
});

test('a caller that stops after the first page stops the page read ahead, and nothing fails', async () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    for (let i = 0; i < 5; i++) {
      const first: string[] = [];
      for await (const page of paged.list('site/')) {
        first.push(...page.map((o) => o.key));
        break;
      }
      expect(first).toEqual(keys.slice(0, 2));
    }
    // The sockets are free again: a whole listing on the same store still completes.
    const all: string[] = [];
    for await (const page of paged.list('site/')) all.push(...page.map((o) => o.key));
    expect(all).toEqual(keys);
    await new Promise((r) => setTimeout(r, 200));
    expect(rejections).toEqual([]);
  } finally {
    process.off('unhandledRejection', onRejection);
  }
});

function md5Base64(text: string): string {
  return createHash('md5').update(text).digest('base64');
}

describe('a deploy listed in key ranges on the gateway', () => {
  // 40 files whose keys cross the UTF-8/UTF-16 order difference (U+FF5E sorts before an
  // astral character in UTF-16, after it in UTF-8), and 6 stale keys among them.
  const names = Array.from({ length: 40 }, (_, i) => {
    const stem = ['a', 'z', 'é', '日', '\uFF5E', '😀'][i % 6]!;
    return `${stem}/${String(i).padStart(2, '0')}.txt`;
  });
  const staleKeys = ['a/99.txt', 'é/99.txt', '😀/99.txt', 'm.txt', 'zz/1.txt', '\uFF5E/x.txt'].map(
    (k) => `site/${k}`,
  );
  let rangedBucket: string;
  let source: string;
  const stores: S3Store[] = [];

  beforeAll(async () => {
    rangedBucket = await createTestBucket('ranges');
    source = await tempTree(Object.fromEntries(names.map((n) => [n, `body of ${n}`])));
    // With the Content-Type s3ship gives a .txt (no rule sets more): only new bytes or a key
    // the ranges missed would make an upload, or an update.
    const contentType = 'text/plain; charset=utf-8';
    for (const n of names)
      await putObject(rangedBucket, `site/${n}`, `body of ${n}`, { contentType });
    for (const k of staleKeys) await putObject(rangedBucket, k, 'old');
    await putObject(rangedBucket, 'sitex/outside.txt', 'outside');
  }, 120_000);

  afterAll(async () => {
    for (const s of stores) s.destroy();
    await rm(source, { recursive: true, force: true });
    await deleteTestBucket(rangedBucket);
  });

  test('ranges of 3 local keys: nothing to upload, exactly the stale keys to delete', async () => {
    const gw = testGateway();
    const result = await run(
      {
        config: testConfig(source, {
          target: {
            bucket: rangedBucket,
            prefix: 'site/',
            region: gw.region,
            endpoint: gw.endpoint,
            pathStyle: true,
          },
          delete: { enabled: true, max: 100 },
        }),
        dryRun: true,
        force: false,
      },
      {
        env: {},
        emit: () => undefined,
        keysPerRange: 3,
        // Pages of two keys: the first chain is still listing when the scan ends, so the
        // ranges (start-after at local keys, on the gateway's own order) do the rest.
        createStore: (target) => {
          const paged = new S3Store({
            target,
            pathStyle: true,
            credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
            maxSockets: 8,
            listPageSize: 2,
          });
          stores.push(paged);
          return paged;
        },
      },
    );
    expect([...result.plan.assets, ...result.plan.entries].map((i) => i.key)).toEqual([]);
    expect(result.plan.deletes.map((d) => d.key).sort()).toEqual([...staleKeys].sort());
    expect(result.plan.others.filter((o) => o.action === 'skip')).toHaveLength(names.length);
  });
});
