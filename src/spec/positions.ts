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
  type Alias,
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
    // Checked below in linear time; yaml's own check is quadratic in the keys of a mapping.
    uniqueKeys: false,
    // Every problem is reported through the returned errors; nothing goes to the console.
    logLevel: 'error',
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
  if (list[0] && problems.length === 0) {
    for (const key of duplicateKeys(list[0])) {
      at(
        key.range?.[0] ?? 0,
        `duplicate key "${keyText(key)}": each key may appear once per mapping`,
      );
    }
  }
  const second = list[1];
  if (second) {
    at(second.range[0], 'a spec holds one YAML document; remove the second "---" and what follows');
  }
  return { doc: list[0], lineCounter, problems };
}

/** Second and later occurrences of a key in each mapping (compared as the JS object would). */
function duplicateKeys(doc: Document.Parsed): Node[] {
  const found: Node[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        const text = keyText(key);
        if (seen.has(text) && found.length < MAX_YAML_ERRORS) found.push(key);
        seen.add(text);
      }
    },
  });
  return found;
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
  if (error.code === 'RESOURCE_EXHAUSTION') return 'the document is nested too deeply';
  if (error.code === 'TAG_RESOLVE_FAILED') return `${error.message}; plain YAML values only`;
  return `YAML syntax error: ${error.message}`;
}

/** 1-based line and column of a source offset. */
export function linePos(
  lineCounter: LineCounter,
  offset: number,
): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Converts the document to plain JS. Keys that JS objects cannot hold, alias bombs and
 * dangling aliases become a problem at the offending node instead of a warning or exception.
 */
export function toPlain(
  parsed: ParsedYaml,
  file: string,
): { value: unknown; problem?: SpecProblem } {
  const { doc, lineCounter } = parsed;
  if (!doc) return { value: undefined };
  const problemAt = (offset: number | undefined, message: string): SpecProblem => ({
    file,
    ...linePos(lineCounter, offset ?? doc.contents?.range[0] ?? 0),
    path: '',
    message,
  });
  const badKey = nonStringKey(doc);
  if (badKey) {
    const message = 'a key must be a plain string, not a list, mapping, alias or tagged value';
    return { value: undefined, problem: problemAt(badKey.range?.[0], message) };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    if (!(error instanceof ReferenceError)) {
      return {
        value: undefined,
        problem: problemAt(0, `cannot read the document: ${String(error)}`),
      };
    }
    const { first, dangling } = aliases(doc);
    const message = dangling
      ? `alias *${dangling.source} refers to no anchor; define &${dangling.source} before it`
      : 'too many alias (*name) expansions; a spec needs few, this looks like an alias bomb';
    return { value: undefined, problem: problemAt((dangling ?? first)?.range?.[0], message) };
  }
}

/** The first key that is not a plain scalar (a mapping, list, alias or binary value). */
function nonStringKey(doc: Document.Parsed): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Pair(_key, pair) {
      const key: unknown = pair.key;
      if (
        key === null ||
        (isScalar(key) && (typeof key.value !== 'object' || key.value === null))
      ) {
        return undefined;
      }
      found = key as Node;
      return visit.BREAK;
    },
  });
  return found;
}

/** The first alias, and the first one whose anchor is missing. */
function aliases(doc: Document.Parsed): { first?: Alias; dangling?: Alias } {
  const found: { first?: Alias; dangling?: Alias } = {};
  visit(doc, {
    Alias(_key, node) {
      found.first ??= node;
      if (node.resolve(doc) !== undefined) return undefined;
      found.dangling = node;
      return visit.BREAK;
    },
  });
  return found;
}

/** The key node and value node found at a path (either may be missing). */
export interface Located {
  key?: Node;
  value?: Node;
}

/** Finds the nodes at `path`, following aliases; stops where the path leaves the document. */
export function locate(doc: Document.Parsed, path: readonly PropertyKey[]): Located {
  let found: Located = doc.contents ? { value: doc.contents } : {};
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
