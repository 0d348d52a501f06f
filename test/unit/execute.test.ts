/**
 * Executor and whole-run invariants against the in-memory store (the S3 behaviour itself is
 * proven against the real gateway in test/e2e).
 */
import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../src/deploy.js';
import type { DeployConfig } from '../../src/config.js';
import type { DeployEvent } from '../../src/events.js';
import { failOn, filePuts, MemoryStore, siteKeys, writes } from '../support/memory-store.js';
import { noWait, tempTree, testConfig } from '../support/fixtures.js';

const MiB = 1024 * 1024;

async function deploy(store: MemoryStore, config: DeployConfig, events: DeployEvent[] = []) {
  return run(
    { config, dryRun: false, force: false },
    { env: {}, emit: (e) => events.push(e), retry: noWait, createStore: () => store },
  );
}

function tree(n: number): Record<string, string> {
  const files: Record<string, string> = { 'index.html': '<html>', 'docs/index.html': '<html>docs' };
  for (let i = 0; i < n; i++) files[`assets/f${i}.js`] = `file ${i}`;
  return files;
}

describe('executor', () => {
  test(`never more than N requests in flight`, async () => {
    const store = new MemoryStore();
    store.latencyMs = 3;
    const source = await tempTree(tree(60));
    await deploy(store, testConfig(source, { concurrency: 4 }));
    expect(filePuts(store)).toHaveLength(62);
    expect(store.maxInFlight).toBe(4);
  });

  test('multipart parts share the same bound', async () => {
    const store = new MemoryStore();
    store.latencyMs = 2;
    const source = await tempTree({ 'big.bin': Buffer.alloc(30 * MiB, 1) });
    await deploy(
      store,
      testConfig(source, { concurrency: 3, multipart: { threshold: 5 * MiB, partSize: 5 * MiB } }),
    );
    expect(store.count('UploadPart')).toBe(6);
    expect(store.maxInFlight).toBeLessThanOrEqual(3);
    expect(store.objects.get('big.bin')?.body.equals(Buffer.alloc(30 * MiB, 1))).toBe(true);
  });

  test('every asset is uploaded before any entry document', async () => {
    const store = new MemoryStore();
    const source = await tempTree(tree(20));
    await deploy(store, testConfig(source));
    const puts = filePuts(store);
    expect(puts).toHaveLength(22);
    const firstEntry = puts.findIndex((k) => k.endsWith('.html'));
    expect(firstEntry).toBe(20);
    expect(puts.slice(firstEntry).every((k) => k.endsWith('.html'))).toBe(true);
  });

  test('a second deploy uploads nothing', async () => {
    const store = new MemoryStore();
    const source = await tempTree(tree(10));
    await deploy(store, testConfig(source));
    const before = store.calls.length;
    const second = await deploy(store, testConfig(source));
    // Not one write: no file, and no deploy state (it learned nothing new).
    expect(writes(store, before)).toEqual([]);
    expect(second.plan.assets.length + second.plan.entries.length).toBe(0);
  });

  test('a failed asset: no entry document and nothing is deleted', async () => {
    const store = new MemoryStore();
    const source = await tempTree(tree(5));
    const config = testConfig(source, { delete: { enabled: true, max: 10 } });
    await deploy(store, config);
    await writeFile(path.join(source, 'assets/f0.js'), 'changed!');
    await writeFile(path.join(source, 'index.html'), '<html>v2</html>');
    store.objects.set('stale.txt', { body: Buffer.from('x'), etag: 'e', metadata: {} });
    store.failures.push(
      failOn('PutObject', (k) => k === 'assets/f0.js', 'InternalError', { retryable: true }),
    );
    const result = await deploy(store, config);
    expect(store.objects.has('stale.txt')).toBe(true);
    expect(store.objects.get('index.html')?.body.toString()).toBe('<html>');
    const statuses = result.outcomes?.map((o) => [o.item.key, o.status]);
    expect(statuses).toContainEqual(['assets/f0.js', 'failed']);
    expect(statuses).toContainEqual(['index.html', 'not-run']);
    expect(statuses).toContainEqual(['stale.txt', 'not-run']);
    expect(store.count('PutObject')).toBeGreaterThan(7); // retried: 5 attempts on f0
  });

  test('throttling is retried and the deploy completes', async () => {
    const store = new MemoryStore();
    // 4 failures: even if one key absorbs them all, its 5th attempt succeeds.
    store.failures.push(failOn('PutObject', () => true, 'SlowDown', { retryable: true, times: 4 }));
    const events: DeployEvent[] = [];
    const result = await deploy(store, testConfig(await tempTree(tree(5))), events);
    expect(result.outcomes?.filter((o) => o.status !== 'done')).toEqual([]);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(4);
    expect(siteKeys(store)).toHaveLength(7);
  });

  test('a fatal error stops scheduling', async () => {
    const store = new MemoryStore();
    store.failures.push(failOn('PutObject', () => true, 'AccessDenied', { fatal: true }));
    const result = await deploy(store, testConfig(await tempTree(tree(100)), { concurrency: 2 }));
    expect(result.fatal).toMatch(
      /AccessDenied — the credentials lack s3:PutObject on arn:aws:s3:::mem\/\*/,
    );
    expect(store.count('PutObject')).toBeLessThanOrEqual(2);
    expect(result.outcomes?.filter((o) => o.status === 'not-run').length).toBeGreaterThan(90);
  });

  test('a failed part aborts the multipart upload: nothing is left open', async () => {
    const store = new MemoryStore();
    store.failures.push(failOn('UploadPart', () => true, 'InvalidPart'));
    const source = await tempTree({ 'big.bin': Buffer.alloc(12 * MiB, 2) });
    const result = await deploy(
      store,
      testConfig(source, { multipart: { threshold: 5 * MiB, partSize: 5 * MiB } }),
    );
    expect(result.outcomes?.[0]?.status).toBe('failed');
    expect(store.uploads.size).toBe(0);
    expect(store.count('AbortMultipartUpload')).toBe(1);
    expect(store.objects.has('big.bin')).toBe(false);
  });

  test('a file rewritten while its parts go up is refused and its upload aborted', async () => {
    const store = new MemoryStore();
    store.latencyMs = 5;
    const source = await tempTree({ 'big.bin': Buffer.alloc(30 * MiB, 3) });
    let rewritten = false;
    // Rewrite the file (same size, new bytes) as soon as the first part is on its way.
    store.failures.push((operation) => {
      if (operation === 'UploadPart' && !rewritten) {
        rewritten = true;
        writeFileSync(path.join(source, 'big.bin'), Buffer.alloc(30 * MiB, 4));
      }
      return undefined;
    });
    const result = await deploy(
      store,
      testConfig(source, { concurrency: 2, multipart: { threshold: 5 * MiB, partSize: 5 * MiB } }),
    );
    expect(result.outcomes?.[0]).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/big\.bin.*changed while being uploaded/),
    });
    expect(store.objects.has('big.bin')).toBe(false);
    expect(store.uploads.size).toBe(0);
  });

  test('per-key DeleteObjects errors are reported as failures', async () => {
    const store = new MemoryStore();
    store.objects.set('gone.txt', { body: Buffer.from('x'), etag: 'e', metadata: {} });
    store.deleteMany = async (keys) => ({
      deleted: [],
      errors: keys.map((key) => ({ key, code: 'AccessDenied', message: '' })),
    });
    const result = await deploy(
      store,
      testConfig(await tempTree({ 'a.txt': 'a' }), { delete: { enabled: true, max: 5 } }),
    );
    const outcome = result.outcomes?.find((o) => o.item.key === 'gone.txt');
    expect(outcome?.status).toBe('failed');
    expect(outcome?.message).toMatch(/s3:DeleteObject/);
  });

  test('precompressed files are byte-deterministic, so a second deploy uploads nothing', async () => {
    const store = new MemoryStore();
    const source = await tempTree({
      'app.js': 'console.log(1);'.repeat(200),
      'style.css': 'a{}'.repeat(300),
    });
    const config = testConfig(source, {
      rules: [
        { match: ['**/*.js'], compress: 'gzip' },
        { match: ['**/*.css'], compress: 'br' },
      ],
    });
    await deploy(store, config);
    expect(store.objects.get('app.js')!.body.length).toBeLessThan(3000);
    const before = store.calls.length;
    await deploy(store, config);
    expect(writes(store, before)).toEqual([]);
  });
});
