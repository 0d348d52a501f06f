/**
 * The spec loader end to end on text: normalization, `${VAR}` expansion, positioned problems
 * and YAML hazards. Values, flags and robustness: spec-values.test.ts; files: spec-load.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DEFAULTS } from '../../src/config.js';
import { parseSpecText } from '../../src/spec/load.js';
import { brief, load, MINIMAL, problems } from '../fixtures/specs/helpers.js';

describe('a valid spec', () => {
  it('normalizes every key of the full example', () => {
    const text = readFileSync(new URL('../fixtures/specs/full.yml', import.meta.url), 'utf8');
    expect(load(text)).toEqual({
      specFile: '/repo/s3ship.yml',
      target: {
        bucket: 'my-site',
        prefix: 'site/v1/',
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:7480',
        pathStyle: true,
      },
      source: '/repo/public',
      include: ['**'],
      exclude: [...DEFAULTS.exclude, '**/*.map'],
      keep: ['uploads/**'],
      followOutsideSymlinks: true,
      rules: [
        {
          match: ['assets/**'],
          contentType: 'text/css',
          cacheControl: 'public, max-age=31536000, immutable',
          contentDisposition: 'attachment',
          contentLanguage: 'en',
          compress: 'gzip',
          metadata: { team: 'web', 'build-id': '42' },
          storageClass: 'STANDARD_IA',
          serverSideEncryption: 'aws:kms',
          sseKmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/abcd',
          acl: 'public-read',
        },
        { match: ['old/**', 'legacy/*.html'], websiteRedirect: '/new/' },
      ],
      entryDocuments: ['**/*.html'],
      allowEmptySource: true,
      delete: { enabled: true, max: 10 },
      immutableChanges: 'error',
      concurrency: 32,
      multipart: { threshold: 64 * 1024 * 1024, partSize: 16 * 1024 * 1024 },
      requestTimeoutMs: 60000,
    });
  });

  it('fills in the defaults', () => {
    const config = load(MINIMAL);
    expect(config.target).toEqual({
      bucket: 'my-site',
      prefix: '',
      region: undefined,
      endpoint: undefined,
      pathStyle: false,
    });
    expect(config.include).toEqual(DEFAULTS.include);
    expect(config.exclude).toEqual(DEFAULTS.exclude);
    expect(config.keep).toEqual([]);
    expect(config.entryDocuments).toEqual(DEFAULTS.entryDocuments);
    expect(config.delete).toEqual({ enabled: false, max: DEFAULTS.maxDelete });
    expect(config.concurrency).toBe(DEFAULTS.concurrency);
    expect(config.immutableChanges).toBe('warn');
    expect(config.multipart).toEqual({
      threshold: DEFAULTS.multipartThreshold,
      partSize: DEFAULTS.partSize,
    });
    expect(config.rules).toEqual([]);
  });

  it('resolves source against the spec file directory', () => {
    const config = parseSpecText(MINIMAL, 'site/s3ship.yml', { env: {}, cwd: '/repo' });
    expect(config.specFile).toBe('/repo/site/s3ship.yml');
    expect(config.source).toBe('/repo/site/public');
  });

  it('lets path_style be turned off with an endpoint', () => {
    const text = `${MINIMAL}  endpoint: https://s3.example.com\n  path_style: false\n`;
    expect(load(text).target.pathStyle).toBe(false);
  });
});

describe('${VAR} expansion', () => {
  const spec = [
    'version: 1',
    'source: ${SRC:-./dist}',
    'target:',
    '  bucket: ${BUCKET}',
    '  prefix: "$${literal}/${BUILD}"',
    '  region: ${REGION:-eu-west-1}',
    'concurrency: ${CONC}',
    'delete: ${DELETE:-false}',
    '',
  ].join('\n');

  it('expands variables and defaults, keeps $${ literal, types numbers and booleans', () => {
    const config = load(spec, { env: { BUCKET: 'b-1', BUILD: '42', CONC: '8', REGION: '' } });
    expect(config.source).toBe('/repo/dist');
    expect(config.target.bucket).toBe('b-1');
    // A string field keeps a numeric value as a string.
    expect(config.target.prefix).toBe('${literal}/42/');
    // `:-` also applies to an empty variable, as in the shell.
    expect(config.target.region).toBe('eu-west-1');
    expect(config.concurrency).toBe(8);
    expect(config.delete.enabled).toBe(false);
  });

  it('reports an unset or empty variable at its value, naming it and the fix', () => {
    const found = problems(spec, { env: { BUILD: '1', CONC: '' } });
    expect(found.map(brief)).toEqual([
      '4:11 target.bucket: environment variable BUCKET is not set; set it, or write ${BUCKET:-default} to use a default',
      '7:14 concurrency: environment variable CONC is set but empty; set it, or write ${CONC:-default} to use a default',
    ]);
    expect(found[0]?.file).toBe('s3ship.yml');
  });

  it('never expands keys and cannot inject YAML', () => {
    const injected = load(MINIMAL.replace('./public', '${S}'), { env: { S: 'x\nsource: /etc' } });
    expect(injected.source).toBe('/repo/x\nsource: /etc');
    const key = problems(`${MINIMAL}\${KEY}: 1\n`, { env: { KEY: 'delete' } });
    expect(key.map((p) => p.message)).toEqual([
      'unknown key "${KEY}"; valid keys here: ' + topKeys(),
    ]);
  });

  it('reports a malformed reference', () => {
    const found = problems(`${MINIMAL}  region: "\${1x}"\n`);
    expect(found.map(brief)).toEqual([
      expect.stringContaining('5:11 target.region: "${1x}" is not a variable reference'),
    ]);
  });
});

function topKeys(): string {
  return 'version, source, target, include, exclude, keep, follow_outside_symlinks, entry_documents, rules, delete, max_delete, allow_empty_source, immutable_changes, concurrency, request_timeout, multipart, presign, cloudfront, state, credentials';
}

describe('problems', () => {
  it('reports every problem at once, each at its node', () => {
    const text = [
      'version: 2', //                                   1
      'source: ./public', //                             2
      'target:', //                                      3
      '  bucket: My_Site', //                            4
      '  prefix: a/../b', //                             5
      'concurency: 8', //                                6
      'rules:', //                                       7
      '  - match: "*.css"', //                           8
      '    cache_contorl: no-cache', //                  9
      '    compress: zip', //                           10
      '  - match: [a, 5]', //                           11
      'multipart: { part_size: 1MiB }', //              12
      '',
    ].join('\n');
    expect(problems(text).map(brief)).toEqual([
      '1:10 version: expected 1 (the only spec version there is), got 2',
      '4:11 target.bucket: expected a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, got "My_Site"',
      '5:11 target.prefix: expected a key prefix without ".." segments, got "a/../b"',
      '6:1 concurency: unknown key "concurency"; did you mean "concurrency"?',
      '9:5 rules[0].cache_contorl: unknown key "cache_contorl"; did you mean "cache_control"?',
      '10:15 rules[0].compress: expected one of: gzip, br, got "zip"',
      '11:16 rules[1].match[1]: expected a glob, got 5 (write "5" in quotes to make it a string)',
      '12:25 multipart.part_size: expected a size from 5MiB to 5GiB, got "1MiB"',
    ]);
  });

  it('says what was expected and what was found', () => {
    const text = `${MINIMAL}concurrency: sixteen\ndelete: "yes"\nmax_delete: 1.5\ninclude: "**"\n`;
    expect(problems(text).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'concurrency: expected an integer from 1 to 256, got "sixteen"',
      'delete: expected true or false, got "yes"',
      'max_delete: expected a number of keys (an integer of 0 or more) or a share of the keys under the prefix such as "25%", got 1.5',
      'include: expected a list of globs, got "**"',
    ]);
  });

  it('points a missing key at its parent and suggests the flag', () => {
    expect(problems('version: 1\nsource: x\ntarget:\n  region: r\n').map(brief)).toEqual([
      '3:1 target.bucket: missing required key "bucket" (or pass --bucket)',
    ]);
    expect(problems('source: x\ntarget: { bucket: abc }\n').map(brief)).toEqual([
      '1:1 version: missing required key "version"; add "version: 1"',
    ]);
  });

  it('suggests keys at the right level, ignoring case and camelCase', () => {
    const text = `${MINIMAL}  bukcet: x\nrules:\n  - { match: a, cacheControl: x, Content-Type: y }\n`;
    expect(problems(text).map((p) => p.message)).toEqual([
      'unknown key "bukcet"; did you mean "bucket"?',
      'unknown key "cacheControl"; did you mean "cache_control"?',
      'unknown key "Content-Type"; did you mean "content_type"?',
    ]);
  });

  it('checks rule fields against each other and metadata keys', () => {
    const text = `${MINIMAL}rules:\n  - match: a\n    sse_kms_key_id: k\n    metadata: { "a b": x, A: "1", a: "2" }\n`;
    expect(problems(text).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'rules[0].sse_kms_key_id: sse_kms_key_id needs server_side_encryption: aws:kms or aws:kms:dsse',
      'rules[0].metadata["a b"]: expected a metadata key of letters, digits and "-", got "a b"',
    ]);
  });

  it('rejects an empty or non-mapping document', () => {
    expect(problems('').map((p) => p.message)).toEqual([
      'the spec is empty; expected a mapping with at least version, source and target',
    ]);
    expect(problems('- a\n').map(brief)).toEqual([
      '1:1 : expected a mapping with at least version, source and target, got a list',
    ]);
  });
});

describe('YAML hazards', () => {
  it('refuses an alias bomb', () => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
    ]) {
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    expect(problems(rows.join('\n')).map((p) => p.message)).toEqual([
      expect.stringContaining('alias bomb'),
    ]);
  });

  it('reports an alias to no anchor', () => {
    expect(problems(`${MINIMAL}include: *globs\n`).map(brief)).toEqual([
      '5:10 : alias *globs refers to no anchor; define &globs before it',
    ]);
  });

  it('reports a duplicate key at the second occurrence', () => {
    expect(problems(`${MINIMAL}concurrency: 4\nconcurrency: 8\n`).map(brief)).toEqual([
      '6:1 : duplicate key "concurrency": each key may appear once per mapping',
    ]);
  });

  it('reports a syntax error with its position, and nothing else', () => {
    const found = problems('version: 1\ntarget: [a, b\nsource: x\n');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ file: 's3ship.yml', line: 3, column: 1 });
    expect(found[0]?.message).toMatch(/^YAML syntax error: /);
  });

  it('refuses a second document', () => {
    expect(problems(`${MINIMAL}---\nversion: 1\n`).map(brief)).toEqual([
      '5:1 : a spec holds one YAML document; remove the second "---" and what follows',
    ]);
  });

  it('refuses a spec over 1 MiB before parsing it', () => {
    const found = problems(`# ${'x'.repeat(1024 * 1024)}\n${MINIMAL}`);
    expect(found.map((p) => p.message)).toEqual([expect.stringContaining('at most 1 MiB')]);
  });

  it('refuses keys that are not plain strings', () => {
    expect(problems(`${MINIMAL}? [a, b]\n: 1\n`).map(brief)).toEqual([
      '5:3 : a key must be a plain string, not a list, mapping, alias or tagged value',
    ]);
    expect(problems(`${MINIMAL}!!binary aGk=: 1\n`).map((p) => p.line)).toEqual([5]);
  });

  it('keeps __proto__ an ordinary (unknown) key', () => {
    expect(problems(`${MINIMAL}__proto__: { delete: true }\n`).map((p) => p.path)).toEqual([
      '__proto__',
    ]);
  });
});
