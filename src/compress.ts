/**
 * Deterministic precompression. Change detection compares the MD5 of the bytes we would
 * upload with the stored ETag, so compressing the same file twice must give the same bytes:
 * fixed levels, no timestamps, and the gzip header's OS byte pinned (zlib writes 3 on Unix
 * but 10 on Windows, which would make Linux and Windows runners re-upload each other's files).
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Compression } from './config.js';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/** RFC 1952: byte 9 of the gzip header is the OS field. */
const GZIP_OS_BYTE = 9;
const GZIP_OS_UNIX = 3;

export async function compress(data: Buffer, method: Compression): Promise<Buffer> {
  if (method === 'gzip') {
    const out = await gzip(data, { level: 9 });
    out[GZIP_OS_BYTE] = GZIP_OS_UNIX;
    return out;
  }
  return brotli(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
    },
  });
}
