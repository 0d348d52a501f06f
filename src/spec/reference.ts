/**
 * Documentation generated from the schema: the JSON Schema printed by `s3ship schema` (for
 * editors and CI linters) and the Markdown reference table in the README. Both come from
 * `specSchema`, so neither can drift from what the loader accepts.
 */
import * as z from 'zod';
import { specSchema } from './schema.js';
import { DELETE_CAP_PATTERN } from '../delete-cap.js';
import { DURATION_PATTERN } from './duration.js';
import { SIZE_PATTERN } from './size.js';

/** A JSON Schema node, loosely typed: we only read the keywords zod emits. */
interface JsonNode {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonNode[];
  items?: JsonNode;
  properties?: Record<string, JsonNode>;
  additionalProperties?: JsonNode | boolean;
  required?: string[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  default?: unknown;
  description?: string;
}

/**
 * The JSON Schema (draft 2020-12) of the spec file as written (input side: defaults are
 * optional). Unknown keys are refused with `additionalProperties: false`.
 */
export function specJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(specSchema, { io: 'input', target: 'draft-2020-12' });
  const { $schema, title, description, ...rest } = generated;
  // Fixed key order at the top keeps the checked-in schema file's diffs readable.
  return { $schema, title, description, ...rest };
}

/** The reference table (Markdown): one row per key path with type, default and description. */
export function renderSpecReference(): string {
  const rows: string[][] = [];
  const visit = (node: JsonNode, prefix: string): void => {
    const required = new Set(node.required ?? []);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const keyPath = `${prefix}${key}`;
      const fallback = required.has(key) ? 'required' : '—';
      // Long value lists go to the description column, which wraps, instead of widening Type.
      const long = (child.enum?.length ?? 0) > MAX_INLINE_ENUM;
      const values = long ? ` One of ${child.enum?.map((v) => code(String(v))).join(', ')}.` : '';
      rows.push([
        code(keyPath),
        long ? `${child.type ?? 'string'} (see description)` : typeOf(child),
        child.default === undefined ? fallback : code(JSON.stringify(child.default)),
        `${child.description ?? ''}${values}`,
      ]);
      if (child.properties) visit(child, `${keyPath}.`);
      if (child.items?.properties) visit(child.items, `${keyPath}[].`);
    }
  };
  visit(specJsonSchema(), '');
  const header = ['Key', 'Type', 'Default', 'Description'];
  const lines = [header, header.map(() => '---'), ...rows].map(
    (cells) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`,
  );
  return `${lines.join('\n')}\n`;
}

/** Enums longer than this are listed in the description column. */
const MAX_INLINE_ENUM = 3;

function code(text: string): string {
  return `\`${text}\``;
}

/** A short human type: `integer (1–256)`, `list of string`, one of `gzip`, `br`, … */
function typeOf(node: JsonNode): string {
  if (node.const !== undefined) return code(JSON.stringify(node.const));
  if (node.enum) return `one of ${node.enum.map((v) => code(String(v))).join(', ')}`;
  if (node.anyOf) {
    if (node.anyOf.some((n) => n.pattern === SIZE_PATTERN)) return 'size (bytes, or e.g. `8MiB`)';
    if (node.anyOf.some((n) => n.pattern === DURATION_PATTERN))
      return 'duration (seconds, or e.g. `12h`, `7d`)';
    if (node.anyOf.some((n) => n.pattern === DELETE_CAP_PATTERN))
      return 'integer (≥ 0) or share (e.g. `"25%"`)';
    return node.anyOf.map(typeOf).join(' or ');
  }
  switch (node.type) {
    case 'integer': {
      const max =
        node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER
          ? node.maximum
          : undefined;
      if (node.minimum !== undefined && max !== undefined)
        return `integer (${node.minimum}–${max})`;
      return node.minimum !== undefined ? `integer (≥ ${node.minimum})` : 'integer';
    }
    case 'array':
      return node.items ? `list of ${plural(typeOf(node.items))}` : 'list';
    case 'object':
      if (typeof node.additionalProperties === 'object') {
        return `mapping of string to ${typeOf(node.additionalProperties)}`;
      }
      return 'mapping';
    default:
      return node.type ?? 'any';
  }
}

function plural(type: string): string {
  return type === 'mapping' ? 'mappings' : type === 'string' ? 'strings' : type;
}
