/** What is generated from the schema, and the loader's small pure helpers. */
import { describe, expect, it } from '@jest/globals';
import { expandString } from '../../src/spec/expand.js';
import { renderSpecReference, specJsonSchema } from '../../src/spec/reference.js';
import { formatSize, parseSize } from '../../src/spec/size.js';
import { closest } from '../../src/spec/suggest.js';

const TOP_KEYS = [
  'version',
  'source',
  'target',
  'include',
  'exclude',
  'keep',
  'follow_outside_symlinks',
  'entry_documents',
  'rules',
  'delete',
  'max_delete',
  'allow_empty_source',
  'immutable_changes',
  'concurrency',
  'request_timeout',
  'multipart',
  'presign',
  'cloudfront',
  'state',
  'credentials',
];

interface Node {
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: unknown;
  description?: string;
}

describe('specJsonSchema', () => {
  const schema = specJsonSchema() as Node & Record<string, unknown>;

  it('is a titled draft 2020-12 schema with every top-level key', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe('s3ship deploy spec');
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties ?? {})).toEqual(TOP_KEYS);
    expect(schema.required).toEqual(['version', 'source', 'target']);
  });

  it('refuses unknown keys at every level', () => {
    const props = schema.properties ?? {};
    expect(schema.additionalProperties).toBe(false);
    expect(props.target?.additionalProperties).toBe(false);
    expect(props.rules?.items?.additionalProperties).toBe(false);
    expect(props.multipart?.additionalProperties).toBe(false);
  });

  it('describes every property', () => {
    const undescribed: string[] = [];
    const walk = (node: Node, at: string): void => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (!child.description) undescribed.push(`${at}${key}`);
        walk(child, `${at}${key}.`);
        if (child.items) walk(child.items, `${at}${key}[].`);
      }
    };
    walk(schema, '');
    expect(undescribed).toEqual([]);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});

describe('renderSpecReference', () => {
  const table = renderSpecReference();
  const rows = table.trim().split('\n');

  it('has one row per key path', () => {
    expect(rows[0]).toBe('| Key | Type | Default | Description |');
    const keys = rows.slice(2).map((r) => /^\| `([^`]+)`/.exec(r)?.[1]);
    expect(keys).toEqual(
      expect.arrayContaining([
        ...TOP_KEYS,
        'target.bucket',
        'rules[].match',
        'multipart.part_size',
      ]),
    );
    expect(keys).toHaveLength(new Set(keys).size);
  });

  it('shows type, default and description', () => {
    expect(rows).toContainEqual(
      '| `concurrency` | integer (1–256) | `64` | Requests in flight at once. |',
    );
    expect(rows.find((r) => r.startsWith('| `target.bucket`'))).toContain('| string | required |');
  });
});

describe('expandString', () => {
  const env = { A: 'a', EMPTY: '' };
  it.each([
    ['plain', 'plain'],
    ['${A}', 'a'],
    ['x${A}y${A}', 'xaya'],
    ['${NOPE:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY:-}', ''],
    ['${NOPE:-a:-b}', 'a:-b'],
    ['$${A}', '${A}'],
    ['$$${A}', '$${A}'],
    ['$A $ {A}', '$A $ {A}'],
    ['cost: $5', 'cost: $5'],
  ])('%j → %j', (input, value) => {
    expect(expandString(input, env)).toMatchObject({ value, errors: [] });
  });

  it.each([
    ['${NOPE}', 'NOPE is not set'],
    ['${EMPTY}', 'EMPTY is set but empty'],
    ['${A', 'unterminated'],
    ['${}', 'is not a variable reference'],
    ['${A B}', 'is not a variable reference'],
  ])('%j is an error', (input, message) => {
    expect(expandString(input, env).errors).toEqual([expect.stringContaining(message)]);
  });

  it('does not read inherited properties of the env object', () => {
    expect(expandString('${toString}', {}).errors).toHaveLength(1);
  });
});

describe('sizes', () => {
  it.each([
    [1024, 1024],
    ['1KiB', 1024],
    ['1k', 1024],
    ['2 MB', 2 * 2 ** 20],
    ['0.5GiB', 2 ** 29],
    ['12', 12],
  ])('parseSize(%j) = %j', (given, bytes) => {
    expect(parseSize(given)).toBe(bytes);
  });

  it.each(['', 'MiB', '1 PiB', '-1', '1e3', -1, 1.5])('parseSize(%j) is NaN', (given) => {
    expect(parseSize(given)).toBeNaN();
  });

  it('formats exactly', () => {
    expect([formatSize(8 * 2 ** 20), formatSize(1536 * 1024), formatSize(1000)]).toEqual([
      '8MiB',
      '1536KiB',
      '1000',
    ]);
  });
});

describe('closest', () => {
  const keys = ['cache_control', 'content_type', 'compress', 'acl'];
  it.each([
    ['cache_contorl', 'cache_control'],
    ['cacheControl', 'cache_control'],
    ['Content-Type', 'content_type'],
    ['compres', 'compress'],
    ['acls', 'acl'],
  ])('%j → %j', (word, expected) => {
    expect(closest(word, keys)).toBe(expected);
  });

  it.each(['colour', 'x', 'metadata'])('%j has no suggestion', (word) => {
    expect(closest(word, keys)).toBeUndefined();
  });
});
