// The work: a generated tree (random bytes, fixed seed), touched, edited, grown by a big file.
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { createCipheriv, createHash } from 'node:crypto';
import path from 'node:path';

/** Deterministic pseudo-random bytes (MD5 in counter mode: fast enough, no dependency). */
function bytes(seed, n) {
  const out = Buffer.allocUnsafe(n);
  for (let off = 0, i = 0; off < n; off += 16, i++) {
    createHash('md5')
      .update(`${seed}:${i}`)
      .digest()
      .copy(out, off, 0, Math.min(16, n - off));
  }
  return out;
}

/**
 * n files of `size` bytes in 50 × 20 folders, like the shared peer harness; with `flat`, all in
 * the one folder (a shape that weighs differently on memory: see src/scan.ts, readFolder).
 */
export function makeTree(root, n, size, { flat = false } = {}) {
  rmSync(root, { recursive: true, force: true });
  for (let i = 0; i < n; i++) {
    const dir = flat
      ? root
      : path.join(
          root,
          `d${String(i % 50).padStart(2, '0')}`,
          `s${String(Math.floor(i / 50) % 20).padStart(2, '0')}`,
        );
    mkdirSync(dir, { recursive: true });
    const fd = openSync(path.join(dir, `f${String(i).padStart(6, '0')}.txt`), 'w');
    writeSync(fd, bytes(i, size));
    closeSync(fd);
  }
}

export function touchAll(root) {
  const now = new Date();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else utimesSync(p, now, now);
    }
  };
  walk(root);
}

/** Flips the first byte of one file in place (same size), then touches everything. */
export function editOne(root) {
  const dir = path.join(root, 'd07', 's03');
  const file = path.join(dir, readdirSync(dir).sort()[0]);
  const fd = openSync(file, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, 0);
  b[0] ^= 0xff;
  writeSync(fd, b, 0, 1, 0);
  closeSync(fd);
  touchAll(root);
}

/**
 * A big file of `mib` MiB of pseudo-random bytes, written a MiB at a time: AES-128-CTR over
 * zeros keyed by the name (deterministic, incompressible, ~1 GB/s — MD5 per 16 bytes took
 * minutes for 2 GiB).
 */
export function addBig(root, mib, name = 'big.tar') {
  const key = createHash('md5').update(`big:${name}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(1 << 20);
  const fd = openSync(path.join(root, name), 'w');
  for (let i = 0; i < mib; i++) writeSync(fd, cipher.update(zeros));
  closeSync(fd);
}
