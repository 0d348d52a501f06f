/**
 * The scan thread (dist/scan-worker.js, which CI rebuilds from src before the tests): it must
 * find exactly what the in-thread scan finds, hand over MD5s that are the files' own, stop
 * hashing when told, carry a scan error across with its code and words, and leave the scan to
 * the main thread when it cannot start.
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { S3shipError } from '../../src/errors.js';
import { localPath, scanSource, type LocalFile } from '../../src/scan.js';
import { startScanThread, takeScanThread } from '../../src/scan-thread-start.js';
import { takeScanner, type Scanner } from '../../src/scan-thread.js';
import { tempTree, testConfig } from '../support/fixtures.js';

const WORKER = new URL('../../dist/scan-worker.js', import.meta.url);

function threadScanner(script: URL = WORKER): Scanner {
  startScanThread(script);
  return takeScanner();
}

async function scanWith(scanner: Scanner, source: string, hash: boolean) {
  const seen: { file: LocalFile; md5: string | undefined }[] = [];
  const result = await scanner.scan(testConfig(source), (file, md5) => seen.push({ file, md5 }), {
    hash,
  });
  return { result, seen };
}

const md5Of = (file: LocalFile) =>
  createHash('md5')
    .update(readFileSync(localPath(file)))
    .digest('hex');

describe('scan thread', () => {
  test('finds what the in-thread scan finds, each small file with its own MD5', async () => {
    const src = await tempTree({
      'index.html': '<h1>home</h1>',
      'a/b/c.css': 'body{}',
      'a/empty.txt': '',
      '.git/config': 'secret',
      'caf\u00e9.txt': 'nfc',
      'big.bin': Buffer.alloc(1024 * 1024 + 1, 7),
    });
    await mkdir(path.join(src, 'linked'));
    await symlink(path.join(src, 'a', 'b', 'c.css'), path.join(src, 'linked', 'c.css'));
    await symlink('/etc/hostname', path.join(src, 'outside.txt'));

    const expected = await scanSource(testConfig(src));
    const { result, seen } = await scanWith(threadScanner(), src, true);

    expect(result.files).toEqual(expected.files);
    expect(result.skipped).toEqual(expected.skipped);
    expect(seen.map((s) => s.file.key).sort()).toEqual(expected.files.map((f) => f.key).sort());
    for (const { file, md5 } of seen) {
      // Small files (through a symlink too) come with their MD5; bigger ones are hashed later.
      if (file.size <= 1024 * 1024) expect(md5).toBe(md5Of(file));
      else expect(md5).toBeUndefined();
    }
    expect(seen.find((s) => s.file.key === 'linked/c.css')?.md5).toBe(
      createHash('md5').update('body{}').digest('hex'),
    );
  });

  test('hashes nothing when told not to, or once told to stop', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 600; i++) files[`d${i % 30}/f${i}.txt`] = `file ${i}`;
    const src = await tempTree(files);

    const off = await scanWith(threadScanner(), src, false);
    expect(off.seen).toHaveLength(600);
    expect(off.seen.every((s) => s.md5 === undefined)).toBe(true);

    // As a deploy does when the bucket turns out empty: told once the scan has begun. The walk
    // sees it at its first pause, 256 entries in.
    const scanner = threadScanner();
    const scanning = scanWith(scanner, src, true);
    scanner.stopHashing();
    const stopped = await scanning;
    expect(stopped.seen).toHaveLength(600);
    expect(stopped.seen.filter((s) => s.md5 !== undefined).length).toBeLessThanOrEqual(256);
  });

  test('a scan error arrives as the same S3shipError (code, message)', async () => {
    const missing = path.join(await tempTree({}), 'no-such-dir');
    const inThread = await scanSource(testConfig(missing)).catch((e: unknown) => e);
    const fromThread = await scanWith(threadScanner(), missing, true).catch((e: unknown) => e);
    expect(inThread).toBeInstanceOf(S3shipError);
    expect(fromThread).toBeInstanceOf(S3shipError);
    expect((fromThread as S3shipError).code).toBe((inThread as S3shipError).code);
    expect((fromThread as S3shipError).message).toBe((inThread as S3shipError).message);
  });

  test('a thread that cannot load leaves the scan to this thread', async () => {
    const src = await tempTree({ 'a.txt': 'a', 'b/c.txt': 'c' });
    const broken = new URL('../fixtures/no-such-worker.js', import.meta.url);
    const { result, seen } = await scanWith(threadScanner(broken), src, true);
    expect(result.files.map((f) => f.key)).toEqual(['a.txt', 'b/c.txt']);
    // The in-thread scan computes no digests: the comparer reads the files itself.
    expect(seen.every((s) => s.md5 === undefined)).toBe(true);
  });

  test('each started thread is handed out once', async () => {
    startScanThread(WORKER);
    const thread = takeScanThread();
    expect(thread).toBeDefined();
    expect(takeScanThread()).toBeUndefined();
    await thread?.worker.terminate();
  });
});
