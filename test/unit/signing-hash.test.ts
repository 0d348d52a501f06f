/**
 * The SigV4 signer computes with SigningHash (HMAC keys turned into KeyObjects once). A wrong
 * hash is a rejected request, so: AWS's own SigV4 test vector comes out exactly, also when the
 * same keys are used again (from the cache), and hashes equal node:crypto's for every kind of
 * input the signer passes.
 */
import { describe, expect, test } from '@jest/globals';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigningHash } from '../../src/store/signing-hash.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('SigningHash', () => {
  test("AWS's get-vanilla test vector, signed twice (the second time with cached keys)", async () => {
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      region: 'us-east-1',
      service: 'service',
      sha256: SigningHash,
      // The test vector signs no x-amz-content-sha256 header.
      applyChecksum: false,
    });
    const request = () => ({
      method: 'GET',
      protocol: 'https:',
      hostname: 'example.amazonaws.com',
      path: '/',
      headers: { host: 'example.amazonaws.com' },
    });
    for (let i = 0; i < 2; i++) {
      const signed = await signer.sign(request(), {
        signingDate: new Date('2015-08-30T12:36:00Z'),
      });
      expect(signed.headers.authorization).toBe(
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
          'SignedHeaders=host;x-amz-date, ' +
          'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      );
    }
  });

  test('SHA-256 and HMAC-SHA-256 equal node:crypto for strings, buffers, views and array buffers', async () => {
    const bytes = Buffer.from('the quick brown fox');
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 4, 5); // "quick"
    const plain = new SigningHash();
    plain.update('abc');
    plain.update(view);
    expect(hex(await plain.digest())).toBe(
      createHash('sha256').update('abc').update('quick').digest('hex'),
    );
    for (const secret of ['key', Buffer.from('key'), new Uint8Array([107, 101, 121]).buffer]) {
      // Twice with the same secret: the second HMAC uses the KeyObject made for the first.
      for (let i = 0; i < 2; i++) {
        const mac = new SigningHash(secret);
        mac.update(bytes);
        expect(hex(await mac.digest())).toBe(
          createHmac('sha256', 'key').update(bytes).digest('hex'),
        );
      }
    }
    // Different secrets are different keys (the key cache must not mix them up).
    const other = new SigningHash('other');
    other.update(bytes);
    expect(hex(await other.digest())).toBe(
      createHmac('sha256', 'other').update(bytes).digest('hex'),
    );
  });
});
