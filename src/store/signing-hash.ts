/**
 * The SHA-256 and HMAC-SHA-256 the SigV4 signer (@smithy/signature-v4) computes with: its
 * `sha256` option, a constructor taking an optional HMAC secret. The same as @smithy/hash-node
 * except that HMAC secrets become KeyObjects once, not on every request.
 *
 * Why: on Node 24, createHmac with a Buffer key costs ~30 µs (it tests whether the key is a
 * KeyObject in a way that is slow for anything else), with a KeyObject ~5 µs (Node 20: ~5 µs
 * either way). The signer hashes with its day's signing key, and with the secret access key
 * for its key cache, on every request: in a 2,000-file upload the key checks were ~0.35 s of
 * s3ship's 2.6 s of CPU (profiled). The keys themselves are few: the secret access key, and one
 * signing key per day, region and service, which the signer keeps as the same object.
 */
import { createHash, createHmac, createSecretKey, type Hash, type KeyObject } from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

/** Keys given as objects (the signer's cached signing key): one KeyObject each, while they live. */
const objectKeys = new WeakMap<object, KeyObject>();
/** Keys given as strings (the secret access key); a process sees a handful. */
const stringKeys = new Map<string, KeyObject>();
/** More string keys than this (rotating credentials in a long run) starts the map afresh. */
const MAX_STRING_KEYS = 16;

function keyObject(secret: SourceData): KeyObject {
  if (typeof secret === 'string') {
    let key = stringKeys.get(secret);
    if (!key) {
      if (stringKeys.size >= MAX_STRING_KEYS) stringKeys.clear();
      key = createSecretKey(Buffer.from(secret, 'utf8'));
      stringKeys.set(secret, key);
    }
    return key;
  }
  let key = objectKeys.get(secret);
  if (!key) {
    key = createSecretKey(bytesOf(secret));
    objectKeys.set(secret, key);
  }
  return key;
}

function bytesOf(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}

export class SigningHash implements Checksum {
  private hash!: Hash;

  constructor(private readonly secret?: SourceData) {
    this.reset();
  }

  update(chunk: SourceData): void {
    this.hash.update(typeof chunk === 'string' ? chunk : bytesOf(chunk));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }

  reset(): void {
    // As @smithy/hash-node: no (or an empty) secret is a plain hash. An Hmac has the same
    // update/digest as a Hash; node's types keep them apart.
    this.hash = this.secret
      ? (createHmac('sha256', keyObject(this.secret)) as unknown as Hash)
      : createHash('sha256');
  }
}
