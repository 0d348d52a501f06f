import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { keyFor } from '../../src/keys.js';
import { localPath, scanSource, walkSource } from '../../src/scan.js';
import { tempTree, testConfig } from '../support/fixtures.js';

const keysOf = async (source: string, extra = {}) =>
  (await scanSource(testConfig(source, extra))).files.map((f) => f.key);

describe('scan', () => {
  test('dotfiles such as .well-known/ are published; .git/ is not', async () => {
    const src = await tempTree({
      '.well-known/security.txt': 'x',
      '.git/config': 'secret',
      'a/.git/HEAD': 'x',
      'index.html': 'x',
    });
    expect(await keysOf(src)).toEqual(['.well-known/security.txt', 'index.html']);
  });

  test('keys get the prefix, POSIX separators and entry flags', async () => {
    const src = await tempTree({ 'docs/index.html': 'x', 'docs/a.css': 'x' });
    const { files } = await scanSource(
      testConfig(src, {
        target: {
          bucket: 'b',
          prefix: 'site/',
          region: undefined,
          endpoint: undefined,
          pathStyle: true,
        },
      }),
    );
    expect(files.map((f) => [f.key, f.entry])).toEqual([
      ['site/docs/a.css', false],
      ['site/docs/index.html', true],
    ]);
  });

  test('include and exclude globs', async () => {
    const src = await tempTree({
      'a.js': 'x',
      'a.js.map': 'x',
      'node_modules/x/y.js': 'x',
      'b.txt': 'x',
    });
    expect(
      await keysOf(src, {
        include: ['**/*.js', '**/*.map'],
        exclude: ['**/*.map', 'node_modules/**'],
      }),
    ).toEqual(['a.js']);
  });

  test('a symlink out of the tree (e.g. to credentials) is skipped with a reason', async () => {
    const outside = await tempTree({ credentials: 'aws_secret_access_key=abc' });
    const src = await tempTree({ 'index.html': 'x' });
    await symlink(path.join(outside, 'credentials'), path.join(src, 'creds.txt'));
    await symlink('/proc/self/environ', path.join(src, 'environ'));
    const result = await scanSource(testConfig(src));
    expect(result.files.map((f) => f.key)).toEqual(['index.html']);
    expect(result.skipped.map((s) => s.relPath).sort()).toEqual(['creds.txt', 'environ']);
    expect(result.skipped[0]?.reason).toMatch(/outside the source.*follow_outside_symlinks/);
  });

  test('symlinks inside the tree are followed; loops are detected, not followed forever', async () => {
    const src = await tempTree({ 'real/a.txt': 'x' });
    await symlink(path.join(src, 'real'), path.join(src, 'alias'));
    await symlink('..', path.join(src, 'real', 'up'));
    const result = await scanSource(testConfig(src));
    expect(result.files.map((f) => f.key)).toEqual(['alias/a.txt', 'real/a.txt']);
    expect(result.skipped.some((s) => /loop/.test(s.reason))).toBe(true);
  });

  test('FIFOs are skipped, zero-byte files are published', async () => {
    const src = await tempTree({ 'empty.txt': '' });
    execFileSync('mkfifo', [path.join(src, 'pipe')]);
    const result = await scanSource(testConfig(src));
    expect(result.files.map((f) => [f.key, f.size])).toEqual([['empty.txt', 0]]);
    expect(result.skipped[0]).toMatchObject({
      relPath: 'pipe',
      reason: expect.stringMatching(/not a regular file/),
    });
  });

  test('NFD names (macOS) become NFC keys', async () => {
    const src = await tempTree({});
    await writeFile(path.join(src, 'cafe\u0301.txt'), 'x');
    expect(await keysOf(src)).toEqual(['caf\u00e9.txt']);
  });

  test('two names that differ only in Unicode normalization: one key, one file; the other skipped with a reason', async () => {
    const src = await tempTree({});
    // Linux keeps both names apart; their keys are the same NFC string.
    await writeFile(path.join(src, 'cafe\u0301.txt'), 'nfd');
    await writeFile(path.join(src, 'caf\u00e9.txt'), 'nfc');
    await mkdir(path.join(src, 'caf\u00e9'));
    await mkdir(path.join(src, 'cafe\u0301'));
    await writeFile(path.join(src, 'caf\u00e9', 'a.txt'), 'nfc dir');
    await writeFile(path.join(src, 'cafe\u0301', 'a.txt'), 'nfd dir');
    await writeFile(path.join(src, 'cafe\u0301', 'only.txt'), 'no twin');
    const { files, skipped } = await scanSource(testConfig(src));
    expect(files.map((f) => f.key)).toEqual([
      'caf\u00e9.txt',
      'caf\u00e9/a.txt',
      'caf\u00e9/only.txt',
    ]);
    // The file whose path is the key's own keeps it, whatever the walk order.
    const bytes = (key: string) =>
      readFileSync(localPath(files.find((f) => f.key === key)!), 'utf8');
    expect(bytes('caf\u00e9.txt')).toBe('nfc');
    expect(bytes('caf\u00e9/a.txt')).toBe('nfc dir');
    expect(bytes('caf\u00e9/only.txt')).toBe('no twin');
    expect(skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/same key as .*Unicode normalization/),
      expect.stringMatching(/same key as .*Unicode normalization/),
    ]);
  });

  test('refuses the file-system root, the home directory and a missing folder', async () => {
    await expect(scanSource(testConfig('/'))).rejects.toThrow(/root or the home directory/);
    await expect(scanSource(testConfig(os.homedir()))).rejects.toThrow(
      /root or the home directory/,
    );
    await expect(scanSource(testConfig('/nonexistent/s3ship'))).rejects.toThrow(
      /does not exist.*--source/,
    );
  });

  test('a folder too large to read whole is walked in the same order, with the same kinds', async () => {
    // 3,000 long names: the folder's own size is far above the 64 KiB from which it is read
    // as a stream, on ext4, XFS, btrfs and tmpfs alike. Created in shuffled order, with a
    // subfolder, a link, a FIFO, and names whose UTF-16 order is not their byte order.
    const src = await tempTree({});
    const big = path.join(src, 'big');
    await mkdir(path.join(big, 'sub'), { recursive: true });
    const names = Array.from(
      { length: 3000 },
      (_, i) => `f${(i * 7919) % 3000}-${'x'.repeat(40)}.txt`,
    );
    names.push('\u{1F600}.txt', '\uE000.txt', 'A.txt', 'a.txt');
    for (const name of names) await writeFile(path.join(big, name), name);
    await writeFile(path.join(big, 'sub', 'inner.txt'), 'x');
    await symlink(path.join(big, 'A.txt'), path.join(big, 'link.txt'));
    execFileSync('mkfifo', [path.join(big, 'pipe')]);
    expect(statSync(big).size).toBeGreaterThan(64 * 1024);
    const found: string[] = [];
    const result = await scanSource(testConfig(src), (file) => found.push(file.relPath));
    // The folder's files in readdirSync's order (byte order), then its subfolder's.
    const files = readdirSync(big).filter((n) => n !== 'sub' && n !== 'pipe');
    expect(files).toHaveLength(3005);
    expect(found).toEqual([...files.map((n) => `big/${n}`), 'big/sub/inner.txt']);
    expect(found.indexOf('big/\uE000.txt')).toBeLessThan(found.indexOf('big/\u{1F600}.txt'));
    expect(result.files.find((f) => f.key === 'big/link.txt')?.size).toBe(5);
    expect(result.skipped).toEqual([
      { relPath: 'big/pipe', reason: expect.stringMatching(/not a regular file/) },
    ]);
  });

  test('a key over 1,024 bytes is refused, not truncated', async () => {
    const src = await tempTree({});
    let dir = src;
    for (let i = 0; i < 5; i++) {
      dir = path.join(dir, 'd'.repeat(250));
      await mkdir(dir);
    }
    await writeFile(path.join(dir, 'f.txt'), 'x');
    const result = await scanSource(testConfig(src));
    expect(result.files).toEqual([]);
    expect(result.skipped[0]?.reason).toMatch(/at most 1024/);
  });
});

// eslint-disable-next-line no-control-regex
const hasControlCharacter = (s: string) => /[\u0000-\u001f\u007f]/.test(s);

describe('walkSource with digests (the scan thread)', () => {
  test('each small regular file (through links too) comes with the MD5 of its bytes; big and declined files without', async () => {
    const src = await tempTree({ 'a.txt': 'alpha', 'd/b.txt': '', 'd/e/c.txt': 'gamma' });
    await writeFile(path.join(src, 'big.bin'), Buffer.alloc(1024 * 1024 + 1, 7));
    await symlink(path.join(src, 'd'), path.join(src, 'dir-link'));
    await symlink(path.join(src, 'a.txt'), path.join(src, 'file-link.txt'));
    execFileSync('mkfifo', [path.join(src, 'pipe')]);
    const walkWith = async (digest: () => boolean, exclude: string[] = []) => {
      const got = new Map<string, string | undefined>();
      const skipped = await walkSource(
        testConfig(src, { exclude }),
        (file, md5) => got.set(file.key, md5),
        undefined,
        digest,
      );
      return { got, skipped };
    };
    let asked = 0;
    const { got, skipped } = await walkWith(() => ++asked > 0);
    const md5 = (text: string | Buffer) => createHash('md5').update(text).digest('hex');
    expect([...got.keys()].sort()).toEqual([
      'a.txt',
      'big.bin',
      'd/b.txt',
      'd/e/c.txt',
      'dir-link/b.txt',
      'dir-link/e/c.txt',
      'file-link.txt',
    ]);
    // Asked once per regular file (a link's target is one too), never for the FIFO.
    expect(asked).toBe(7);
    expect(got.get('big.bin')).toBeUndefined();
    expect(got.get('file-link.txt')).toBe(md5('alpha'));
    for (const [key, digest] of got)
      if (key !== 'big.bin') expect(digest).toBe(md5(readFileSync(path.join(src, key))));
    expect(skipped).toEqual([{ relPath: 'pipe', reason: expect.stringMatching(/not a regular/) }]);
    // A file the globs leave out is never asked about (nor read).
    let askedWithExclude = 0;
    await walkWith(() => ++askedWithExclude > 0, ['a.txt', 'file-link.txt', 'd/e/**']);
    expect(askedWithExclude).toBe(4); // big.bin, d/b.txt, dir-link/b.txt, dir-link/e/c.txt
    // Declined: the same files, none with a digest.
    const declined = await walkWith(() => false);
    expect([...declined.got.keys()].sort()).toEqual([...got.keys()].sort());
    expect([...declined.got.values()].every((d) => d === undefined)).toBe(true);
  });
});

describe('keyFor', () => {
  test('property: a valid relative path maps to prefix + path, and never escapes the prefix', () => {
    const segment = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((s) => !s.includes('/') && s !== '.' && s !== '..' && !hasControlCharacter(s));
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('', 'site/', 'a/b/'),
        (segments, prefix) => {
          const rel = segments.join(path.sep);
          const result = keyFor(prefix, rel);
          if (!result.ok) return;
          expect(result.key.startsWith(prefix)).toBe(true);
          expect(result.key.slice(prefix.length)).toBe(segments.join('/').normalize('NFC'));
          expect(result.key.split('/')).not.toContain('..');
        },
      ),
    );
  });

  test('.. segments and control characters are refused', () => {
    expect(keyFor('', '../x').ok).toBe(false);
    expect(keyFor('', 'a\nb').ok).toBe(false);
  });
});
