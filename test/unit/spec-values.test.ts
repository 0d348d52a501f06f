/** Spec values (prefix, sizes), flag overrides, and robustness against arbitrary input. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { SpecError } from '../../src/errors.js';
import { load, MINIMAL, problems } from '../fixtures/specs/helpers.js';

describe('target.prefix', () => {
  it.each([
    ['', ''],
    ['/', ''],
    ['site', 'site/'],
    ['/site/v1', 'site/v1/'],
    ['site/v1/', 'site/v1/'],
    ['a.b/..c/', 'a.b/..c/'],
  ])('normalizes %j to %j', (given, expected) => {
    expect(load(`${MINIMAL}  prefix: "${given}"\n`).target.prefix).toBe(expected);
  });

  it.each(['..', 'a/../b', '../a', 'a//b', '//a'])('rejects %j', (given) => {
    expect(problems(`${MINIMAL}  prefix: "${given}"\n`).map((p) => p.path)).toEqual([
      'target.prefix',
    ]);
  });
});

describe('multipart sizes', () => {
  it.each([
    ['5MiB', 5 * 2 ** 20],
    ['8 MiB', 8 * 2 ** 20],
    ['512000KiB', 512000 * 1024],
    ['1GiB', 2 ** 30],
    ['1.5GiB', 1.5 * 2 ** 30],
    ['8MB', 8 * 2 ** 20],
    ['6291456', 6291456],
    [6291456, 6291456],
  ])('reads %j', (given, bytes) => {
    const text = `${MINIMAL}multipart:\n  threshold: ${JSON.stringify(given)}\n`;
    expect(load(text).multipart.threshold).toBe(bytes);
  });

  it.each(['4MiB', 'lots', '-1', '1.5', '5XB', '""'])('rejects threshold %j', (given) => {
    const found = problems(`${MINIMAL}multipart:\n  threshold: ${given}\n`);
    expect(found.map((p) => p.path)).toEqual(['multipart.threshold']);
  });

  it('caps the part size at 5GiB', () => {
    expect(problems(`${MINIMAL}multipart: { part_size: 6GiB }\n`).map((p) => p.message)).toEqual([
      'expected a size from 5MiB to 5GiB, got "6GiB"',
    ]);
  });
});

describe('max_delete', () => {
  it.each([
    ['10', 10],
    ['0', 0],
    ['"25%"', { percent: 25 }],
    ['"12.5%"', { percent: 12.5 }],
    ['"100%"', { percent: 100 }],
    ['"0%"', { percent: 0 }],
  ])('reads %s', (given, cap) => {
    expect(load(`${MINIMAL}max_delete: ${given}\n`).delete.max).toEqual(cap);
  });

  it('defaults to half of the keys under the prefix', () => {
    expect(load(MINIMAL).delete.max).toEqual({ percent: 50 });
  });

  it('types a ${VAR} of digits as a number of keys', () => {
    const config = load(`${MINIMAL}max_delete: \${MAX}\n`, { env: { MAX: '7' } });
    expect(config.delete.max).toBe(7);
  });

  it.each([
    ['"120%"', 'expected a share of at most 100%, got "120%"'],
    [
      'abc',
      'expected a number of keys (an integer of 0 or more) or a share of the keys under the prefix such as "25%", got "abc"',
    ],
    [
      '-1',
      'expected a number of keys (an integer of 0 or more) or a share of the keys under the prefix such as "25%", got -1',
    ],
    [
      '"1.5"',
      'expected a number of keys (an integer of 0 or more) or a share of the keys under the prefix such as "25%", got "1.5"',
    ],
  ])('rejects %s, at its line and column', (given, message) => {
    const found = problems(`${MINIMAL}max_delete: ${given}\n`);
    expect(found.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`)).toEqual([
      `5:13 max_delete: ${message}`,
    ]);
  });

  it('takes a share from --max-delete and names the flag when it is out of range', () => {
    expect(load(MINIMAL, { overrides: { maxDelete: '25%' } }).delete.max).toEqual({ percent: 25 });
    const found = problems(`${MINIMAL}max_delete: 10\n`, { overrides: { maxDelete: '120%' } });
    expect(found.map((p) => `${p.file} ${p.path}: ${p.message}`)).toEqual([
      '<flags> --max-delete: expected a share of at most 100%, got "120%"',
    ]);
  });
});

describe('flag overrides', () => {
  it('win over the spec', () => {
    const config = load(`${MINIMAL}concurrency: 4\n`, {
      overrides: {
        bucket: 'from-flag',
        prefix: 'p',
        concurrency: 64,
        delete: true,
        maxDelete: 3,
        source: 'out',
      },
    });
    expect(config.target.bucket).toBe('from-flag');
    expect(config.target.prefix).toBe('p/');
    expect(config.concurrency).toBe(64);
    expect(config.delete).toEqual({ enabled: true, max: 3 });
    // --source is relative to the working directory, not to the spec file.
    expect(config.source).toBe('/repo/out');
  });

  it('are validated, and their problems point at the flag', () => {
    const found = problems(`${MINIMAL}concurrency: sixteen\n`, {
      overrides: { concurrency: 0, endpoint: 'nope', pathStyle: true },
    });
    expect(found.map((p) => `${p.file} ${p.line} ${p.path}: ${p.message}`)).toEqual([
      '<flags> 0 --endpoint: expected an http:// or https:// URL such as "http://127.0.0.1:9000", got "nope"',
      '<flags> 0 --concurrency: expected an integer from 1 to 256, got 0',
    ]);
  });

  it('fill an empty target mapping', () => {
    const config = load('version: 1\nsource: x\ntarget:\n', { overrides: { bucket: 'abc' } });
    expect(config.target.bucket).toBe('abc');
  });

  it('make an unset variable in the value they replace irrelevant', () => {
    const text = 'version: 1\nsource: x\ntarget:\n  bucket: ${BUCKET}\n';
    expect(load(text, { overrides: { bucket: 'flag-bucket' } }).target.bucket).toBe('flag-bucket');
  });
});

describe('robustness', () => {
  const onlySpecErrors = (text: string): void => {
    try {
      load(text, { env: { A: 'x' } });
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
    }
  };

  it('throws nothing but SpecError for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), onlySpecErrors), {
      numRuns: 500,
    });
  });

  it('throws nothing but SpecError for YAML-ish token soup', () => {
    const token = fc.constantFrom(
      'version: 1\n',
      'source: x\n',
      'target:\n',
      '  bucket: abc\n',
      '- ',
      '&a ',
      '*a ',
      '[',
      ']',
      '{',
      '}',
      ': ',
      '"',
      "'",
      '${A}',
      '${B:-1}',
      '$${',
      '---\n',
      '!!binary ',
      '!x ',
      '? ',
      '|\n',
      '\t',
      '  ',
      '\n',
      '#',
      'rules:\n  - match: a\n',
      'multipart: {threshold: ',
      'concurrency: ',
      '__proto__: ',
      '<<: ',
    );
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 40 }).map((t) => t.join('')),
        onlySpecErrors,
      ),
      {
        numRuns: 500,
      },
    );
  });

  it('throws nothing but SpecError for spec-shaped data with random values', () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('${A}', '${NOPE}', '8MiB', '../x', 'gzip'),
    );
    const keys = (names: string[]) =>
      fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 6 });
    const rule = keys(['match', 'cache_control', 'metadata', 'compress', 'sse_kms_key_id', 'x']);
    const spec = fc.record(
      {
        version: fc.oneof(fc.constant(1), value),
        source: value,
        target: fc.oneof(keys(['bucket', 'prefix', 'endpoint', 'path_style', 'bukcet']), value),
        rules: fc.oneof(fc.array(fc.oneof(rule, value), { maxLength: 3 }), value),
        multipart: fc.oneof(keys(['threshold', 'part_size']), value),
        concurrency: value,
      },
      { requiredKeys: [] },
    );
    const overrides = fc.record(
      { bucket: fc.string(), concurrency: fc.integer(), prefix: fc.string() },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(spec, overrides, (data, flags) => {
        try {
          load(stringify(data), { env: { A: 'x' }, overrides: flags });
        } catch (error) {
          if (!(error instanceof SpecError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  });
});
