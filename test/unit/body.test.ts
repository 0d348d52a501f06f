/**
 * The bytes a small-file upload sends come from one synchronous read sized by what the scan
 * saw. What users rely on: the body is exactly the file, and a file that changed size since
 * the scan is never sent as if it had not (the uploader compares the body's length with the
 * scanned size, so the read must return every byte, never a truncated buffer).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readBody, SYNC_READ_MAX } from '../../src/body.js';
import type { ObjectSettings } from '../../src/config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 's3ship-body-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plain = {} as ObjectSettings;

function fileOf(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function pattern(length: number, seed = 7): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe('readBody', () => {
  test('a small file comes back byte for byte, in a buffer of its own', async () => {
    const bytes = pattern(4096);
    const p = fileOf('small.bin', bytes);
    const a = await readBody(p, plain, bytes.length);
    const b = await readBody(p, plain, bytes.length);
    expect(a.equals(bytes)).toBe(true);
    // Two reads never share memory: an upload in flight keeps its body while the next is read.
    a.fill(0);
    expect(b.equals(bytes)).toBe(true);
  });

  test('an empty file is an empty body', async () => {
    const p = fileOf('empty.bin', Buffer.alloc(0));
    expect((await readBody(p, plain, 0)).length).toBe(0);
  });

  test('a file that grew by one byte since the scan returns every byte', async () => {
    const bytes = pattern(1000);
    const p = fileOf('grew1.bin', bytes);
    const body = await readBody(p, plain, 999);
    expect(body.length).toBe(1000);
    expect(body.equals(bytes)).toBe(true);
  });

  test('a file that grew far past what the scan saw returns every byte', async () => {
    const bytes = pattern(3 * SYNC_READ_MAX + 5);
    const p = fileOf('grew-far.bin', bytes);
    const body = await readBody(p, plain, 10);
    expect(body.length).toBe(bytes.length);
    expect(body.equals(bytes)).toBe(true);
  });

  test('a file that shrank since the scan returns only what is there', async () => {
    const bytes = pattern(100);
    const p = fileOf('shrank.bin', bytes);
    const body = await readBody(p, plain, 4096);
    expect(body.equals(bytes)).toBe(true);
  });

  test('a file above the synchronous limit is read whole too', async () => {
    const bytes = pattern(SYNC_READ_MAX + 1, 3);
    const p = fileOf('large.bin', bytes);
    expect((await readBody(p, plain, bytes.length)).equals(bytes)).toBe(true);
    expect((await readBody(p, plain)).equals(bytes)).toBe(true);
  });

  test('a missing file is an error naming it', async () => {
    await expect(readBody(path.join(dir, 'gone.bin'), plain, 10)).rejects.toThrow(/gone\.bin/);
  });

  test('the rule’s compression applies to the bytes read', async () => {
    const bytes = Buffer.from('hello '.repeat(500));
    const p = fileOf('page.html', bytes);
    const body = await readBody(p, { compress: 'gzip' }, bytes.length);
    expect(gunzipSync(body).equals(bytes)).toBe(true);
  });
});
