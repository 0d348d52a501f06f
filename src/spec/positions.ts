/**
 * YAML parsing that keeps source positions, so every problem can name file:line:column.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  visit,
  type Document,
  type Node,
  type YAMLError,
} from 'yaml';
import type { SpecProblem } from '../errors.js';
import { keyText, type SpecPath } from './expand.js';

/** Spec files larger than this are refused before parsing: a deploy spec is a page of YAML. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** Budget for alias expansion (yaml's own guard against "billion laughs" documents). */
const MAX_ALIAS_COUNT = 100;

/** YAML errors reported at most; a broken file can cascade into hundreds of identical ones. */
const MAX_YAML_ERRORS = 10;

/** A parsed spec document and the means to point at its nodes. */
export interface ParsedYaml {
  /** Undefined when the file holds no document at all (empty or only comments). */
  doc: Document.Parsed | undefined;
  lineCounter: LineCounter;
  /** Syntax errors, extra documents and the like; when non-empty the document is not usable. */
  problems: SpecProblem[];
}

/** Parses spec text: one YAML 1.2 document, unique keys, positions kept. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) {
    return { doc: undefined, lineCounter, problems: [tooLarge(file, bytes)] };
  }
  const docs = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const list: Document.Parsed[] = [...docs];
  // An empty stream (no document) still carries stream-level errors such as bad directives.
  const streamErrors = 'empty' in docs ? [...docs.errors, ...docs.warnings] : [];
  const problems: SpecProblem[] = [];
  const at = (offset: number, message: string): void => {
    problems.push({ file, ...linePos(lineCounter, offset), path: '', message });
  };
  const seen = new Set<string>();
  for (const error of [...streamErrors, ...list.flatMap((d) => [...d.errors, ...d.warnings])]) {
    const key = `${error.code}@${error.pos[0]}`;
    if (seen.has(key) || seen.size >= MAX_YAML_ERRORS) continue;
    seen.add(key);
    at(error.pos[0], yamlMessage(error));
  }
  const second = list[1];
  if (second) {
    at(second.range[0], 'a spec holds one YAML document; remove the second "---" and what follows');
  }
  return { doc: list[0], lineCounter, problems };
}

/** The problem reported for a file over {@link MAX_SPEC_BYTES}. */
export function tooLarge(file: string, bytes: number): SpecProblem {
  return {
    file,
    line: 0,
    column: 0,
    path: '',
    message: `the file is ${bytes} bytes; a spec may be at most 1 MiB (is this the right file?)`,
  };
}

function yamlMessage(error: YAMLError): string {
  if (error.code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear once per mapping';
  if (error.code === 'RESOURCE_EXHAUSTION') return 'the document is nested too deeply';
  if (error.code === 'TAG_RESOLVE_FAILED') return `${error.message}; plain YAML values only`;
  return `YAML syntax error: ${error.message}`;
}

/** 1-based line and column of a source offset. */
export function linePos(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Converts the document to plain JS. Alias bombs and dangling aliases become a problem
 * at the first offending alias instead of an exception.
 */
export function toPlain(parsed: ParsedYaml, file: string): { value: unknown; problem?: SpecProblem } {
  const { doc } = parsed;
  if (!doc) return { value: undefined };
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    let offset = doc.contents?.range[0] ?? 0;
    let message = 'too many alias (*name) expansions; a spec needs few, this looks like an alias bomb';
    visit(doc, {
      Alias(_key, node) {
        if (node.resolve(doc) === undefined) {
          offset = node.range?.[0] ?? offset;
          message = `alias *${node.source} refers to no anchor; define &${node.source} before it`;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    if (!(error instanceof ReferenceError)) message = `cannot read the document: ${String(error)}`;
    return { value: undefined, problem: { file, ...linePos(parsed.lineCounter, offset), path: '', message } };
  }
}

/** The key node and value node found at a path (either may be missing). */
export interface Located {
  key?: Node;
  value?: Node;
}

/** Finds the nodes at `path`, following aliases; stops where the path leaves the document. */
export function locate(doc: Document.Parsed, path: readonly PropertyKey[]): Located {
  let found: Located = { value: doc.contents ?? undefined };
  for (const step of path) {
    let node: unknown = found.value;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(step));
      if (!pair) return {};
      found = nodeOf(pair.key, pair.value);
    } else if (isSeq(node) && typeof step === 'number') {
      found = nodeOf(undefined, node.items[step]);
    } else {
      return {};
    }
  }
  return found;
}

function nodeOf(key: unknown, value: unknown): Located {
  const located: Located = {};
  if (isScalar(key) || isMap(key) || isSeq(key)) located.key = key;
  if (isScalar(value) || isMap(value) || isSeq(value) || isAlias(value)) located.value = value;
  return located;
}

/** Dotted path for messages: `rules[1].cache_control`; odd keys in brackets: `metadata["a.b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(String(step))) out += `${out ? '.' : ''}${String(step)}`;
    else out += `[${JSON.stringify(String(step))}]`;
  }
  return out;
}

/** The SpecPath type re-exported for callers that only deal with positions. */
export type { SpecPath };
