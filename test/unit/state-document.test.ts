/**
 * The deploy state document (src/state/document.ts): what is written is read back record for
 * record, and anything else is refused with a StateProblem that names what is wrong with it —
 * never taken for a state, never a crash.
 */
import { describe, expect, test } from '@jest/globals';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { HeaderSet } from '../../src/object-headers.js';
import {
  decodeState,
  encodeState,
  STATE_FORMAT,
  STATE_VERSION,
  StateProblem,
  type DeployState,
  type StateRecord,
} from '../../src/state/document.js';

const html = Object.freeze({ 'cache-control': 'no-cache', 'content-type': 'text/html' });
const js = Object.freeze({
  'cache-control': 'public, max-age=31536000, immutable',
  'content-type': 'application/javascript; charset=utf-8',
  'x-amz-meta-team': 'web',
});

function record(etag: string, md5: string | undefined, settings: HeaderSet = js): StateRecord {
  return { size: 10, etag, lastModified: 1_700_000_000, md5, settings };
}

const sample: DeployState = {
  bucket: 'site',
  prefix: 'www/',
  records: new Map([
    ['www/index.html', record('0123456789abcdef0123456789abcdef', undefined, html)],
    // MD5 equal to the ETag (a single-part unencrypted object)
    ['www/app.js', record('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')],
    // SSE-KMS or multipart: the ETag is not the MD5
    [
      'www/big.bin',
      record('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-3', 'cccccccccccccccccccccccccccccccc'),
    ],
    // Equal settings that are another object: one table entry, read back equal
    ['www/é/日本.js', record('dddddddddddddddddddddddddddddddd', undefined, { ...js })],
    // A key with what would break a line: written as a JSON string, read back as it was
    ['www/a "b"\tc\n\\d.txt', record('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', undefined, html)],
  ]),
};

type Tuple = unknown[];

/**
 * A record as a line of the document: size, ETag, LastModified, settings index, MD5, key (a
 * tuple of five has no MD5 field at all).
 */
const line = (tuple: Tuple) => {
  const [key, size, etag, lastModified, index, md5] = tuple;
  const md5Field = tuple.length >= 6 ? [md5 ?? ''] : [];
  return [size, etag, lastModified, index, ...md5Field, JSON.stringify(key)].join('\t');
};

/** A document as written, but for `fields` of its header and its `objects` (as tuples). */
const document = (
  fields: Record<string, unknown>,
  objects: Tuple[] = [['index.html', 10, 'e', 1_700_000_000, 0, null]],
) =>
  gzipSync(
    [
      JSON.stringify({
        format: STATE_FORMAT,
        version: STATE_VERSION,
        bucket: 'site',
        prefix: 'www/',
        written: '2026-01-01T00:00:00.000Z',
        count: objects.length,
        settings: [html],
        ...fields,
      }),
      ...objects.map((o) => `${line(o)}\n`),
    ].join('\n'),
  );

/** The header line of a written document. */
const headerOf = (body: Buffer) =>
  JSON.parse(gunzipSync(body).toString('utf8').split('\n')[0]!) as Record<string, unknown>;

/** The StateProblem decodeState throws for `body` read as s3://site/www/. */
function problem(body: Buffer, bucket = 'site', prefix = 'www/'): StateProblem {
  try {
    decodeState(body, bucket, prefix);
  } catch (error) {
    expect(error).toBeInstanceOf(StateProblem);
    return error as StateProblem;
  }
  throw new Error('decodeState accepted the document');
}

describe('state document', () => {
  test('round trip: every record comes back as written, keys with their prefix', () => {
    const body = encodeState(sample, new Date('2026-01-01T00:00:00Z'));
    const read = decodeState(body, 'site', 'www/');
    expect(read.bucket).toBe('site');
    expect(read.prefix).toBe('www/');
    expect([...read.records.keys()].sort()).toEqual([...sample.records.keys()].sort());
    for (const [key, written] of sample.records) expect(read.records.get(key)).toEqual(written);
  });

  test('equal settings sets are stored once', () => {
    const body = encodeState(sample, new Date());
    const json = headerOf(body);
    expect(json.settings).toHaveLength(2);
    expect(json.settings).toEqual(expect.arrayContaining([js, html]));
    expect(json.count).toBe(5);
  });

  test('an empty state round-trips', () => {
    const empty: DeployState = { bucket: 'site', prefix: '', records: new Map() };
    expect(decodeState(encodeState(empty, new Date()), 'site', '').records.size).toBe(0);
  });

  test('the minimal valid document is accepted (the refusals below differ from it in one way)', () => {
    const read = decodeState(document({}), 'site', 'www/');
    expect(read.records.get('www/index.html')).toEqual({
      size: 10,
      etag: 'e',
      lastModified: 1_700_000_000,
      md5: undefined,
      settings: html,
    });
  });

  describe('refuses, saying why', () => {
    test('bytes that are not gzip', () => {
      expect(problem(Buffer.from('<html>not a state</html>')).message).toMatch(
        /not a whole gzip stream/,
      );
    });

    test('a gzip stream cut short', () => {
      const whole = encodeState(sample, new Date());
      expect(problem(whole.subarray(0, whole.length - 12)).message).toMatch(
        /not a whole gzip stream \(.*end of file.*\)/,
      );
    });

    test('gzip of something that is not JSON', () => {
      expect(problem(gzipSync('{"format": "s3ship-deploy-state", ')).message).toMatch(
        /it is not JSON \(/,
      );
    });

    test('JSON that is not an s3ship state', () => {
      for (const body of [
        gzipSync('null'),
        gzipSync('[1, 2]'),
        gzipSync('"s3ship-deploy-state"'),
        document({ format: 'terraform-state' }),
      ])
        expect(problem(body).message).toBe(
          `it is not an s3ship deploy state (no "format": "${STATE_FORMAT}")`,
        );
    });

    test('a newer version', () => {
      expect(problem(document({ version: STATE_VERSION + 1 })).message).toBe(
        `it was written by a newer s3ship (state version ${STATE_VERSION + 1}; this one reads ${STATE_VERSION})`,
      );
    });

    test('a version that is not a version number is not called newer', () => {
      for (const version of [undefined, 'one', null]) {
        const message = problem(document({ version })).message;
        expect(message).toMatch(/version/);
        expect(message).not.toMatch(/newer/);
      }
    });

    test('the state of another bucket or prefix', () => {
      const body = document({});
      expect(problem(body, 'other', 'www/').message).toBe(
        'it describes s3://site/www/, not s3://other/www/',
      );
      expect(problem(body, 'site', 'www2/').message).toBe(
        'it describes s3://site/www/, not s3://site/www2/',
      );
      expect(problem(body, 'site', '').message).toBe('it describes s3://site/www/, not s3://site/');
    });

    test('a count that is not the number of objects', () => {
      expect(problem(document({ count: 2 })).message).toBe(
        'it lists 1 objects where its count says 2',
      );
      expect(problem(document({ count: 0 })).message).toBe(
        'it lists 1 objects where its count says 0',
      );
    });

    test('a settings table that is not a list of header maps', () => {
      for (const settings of [{}, [['a']], [{ 'cache-control': 3 }]])
        expect(problem(document({ settings })).message).toMatch(/"settings" table/);
    });

    test('a record that is not valid, named by its position', () => {
      const valid = ['a.js', 1, 'e', 1, 0, null];
      const bad: unknown[][] = [
        ['', 1, 'e', 1, 0, null], // no key
        ['b.js', -0.5, 'e', 1, 0, null], // size not a whole number
        ['b.js', 1, 'e x', 1, 0, null], // ETag with a space
        ['b.js', 1, 'e', '20x6', 0, null], // LastModified not a number
        ['b.js', 1, 'e', 1, 1, null], // settings index outside the table
        ['b.js', 1, 'e', 1, 0, 'not-hex'], // MD5 not hex
        ['b.js', 1, 'e', 1, 0], // a field short
        ['a.js', 1, 'e', 1, 0, null], // the key again
      ];
      for (const o of bad)
        expect(problem(document({}, [valid, o])).message).toBe(
          'its object #2 is not a valid record',
        );
    });
  });
});
