/**
 * Turns zod issues into SpecProblems: a dotted path, a position in the file (or the flag the
 * value came from) and a message saying what was expected and what was found.
 */
import type { Document, LineCounter, Node } from 'yaml';
import type * as z from 'zod';
import type { SpecProblem } from '../errors.js';
import { formatPath, linePos, locate } from './positions.js';
import { keysAt } from './shape.js';
import { unknownKeyMessage } from './suggest.js';

type Issue = z.core.$ZodIssue;

/** Everything needed to place and phrase a problem. */
export interface IssueContext {
  /** How the spec file is named in messages; undefined when there is no spec file. */
  file: string | undefined;
  doc: Document.Parsed | undefined;
  lineCounter: LineCounter;
  /** The validated input (spec values merged with flags). */
  input: unknown;
  /** The flag that can set the value at a dotted path (e.g. `target.bucket` → `--bucket`). */
  flagFor: (dotted: string) => { flag: string; given: boolean } | undefined;
  schema: z.core.$ZodType;
}

/** Fallback wording for issues whose schema has no message of its own. */
export function defaultMessage(issue: z.core.$ZodRawIssue): string {
  const plural = (n: number | bigint, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const dir = issue.code === 'too_small' ? 'at least' : 'at most';
      if (issue.origin === 'string') return `expected ${dir} ${plural(bound, 'character')}`;
      if (issue.origin === 'array') return `expected ${dir} ${plural(bound, 'item')}`;
      return `expected ${dir} ${bound}`;
    }
    case 'invalid_value':
      return `expected one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.pattern
        ? `expected a string matching ${issue.pattern}`
        : `expected a ${issue.format}`;
    default:
      return 'expected a valid value';
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** Converts issues (up to `limit` problems); those at or under `suppressed` paths are dropped. */
export function issuesToProblems(
  issues: readonly Issue[],
  ctx: IssueContext,
  suppressed: ReadonlySet<string>,
  limit: number,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const seen = new Set<string>();
  for (const { issue, path } of flatten(issues, [])) {
    // Placing a problem searches the document, so a hostile spec with 100k bad keys stops early.
    if (problems.length >= limit) break;
    if (path.some((_, n) => suppressed.has(formatPath(path.slice(0, n + 1))))) continue;
    // One problem per path: a second check failing on the same value adds noise, not news.
    for (const problem of toProblems(issue, path, ctx, limit - problems.length)) {
      if (!seen.has(problem.path)) problems.push(problem);
      seen.add(problem.path);
    }
  }
  return problems;
}

/** Opens union issues whose cause is inside one branch (a list with one bad glob, say). */
function flatten(
  issues: readonly Issue[],
  base: PropertyKey[],
): { issue: Issue; path: PropertyKey[] }[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const deep = issue.errors.filter(
        (branch) => branch.length > 0 && branch.every((i) => i.path.length > 0),
      );
      if (deep.length === 1 && deep[0]) return flatten(deep[0], path);
    }
    return [{ issue, path }];
  });
}

function toProblems(
  issue: Issue,
  path: PropertyKey[],
  ctx: IssueContext,
  limit: number,
): SpecProblem[] {
  if (issue.code === 'unrecognized_keys') {
    const valid = keysAt(ctx.schema, path);
    return issue.keys
      .slice(0, limit)
      .map((key) => place([...path, key], 'key', unknownKeyMessage(key, valid), ctx));
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? 'invalid key';
    return [place(path, 'key', `${inner}, got ${show(path.at(-1))}`, ctx)];
  }
  const parent = valueAt(ctx.input, path.slice(0, -1));
  const last = path.at(-1);
  const present =
    path.length === 0 ||
    (typeof parent === 'object' &&
      parent !== null &&
      last !== undefined &&
      Object.hasOwn(parent, last));
  if (!present) return [missing(path, ctx)];
  const value = valueAt(ctx.input, path);
  let message = issue.message;
  if (path.length === 0 && value == null) {
    message = 'the spec is empty; expected a mapping with at least version, source and target';
  } else if (message.startsWith('expected') && !message.includes(', got ')) {
    message += `, got ${show(value)}`;
    if (issue.code === 'invalid_type' && issue.expected === 'string' && isPrimitive(value)) {
      message += ` (write "${String(value)}" in quotes to make it a string)`;
    }
  }
  return [place(path, 'value', message, ctx)];
}

function missing(path: PropertyKey[], ctx: IssueContext): SpecProblem {
  const key = String(path.at(-1));
  const flag = ctx.flagFor(formatPath(path));
  // No document means no spec file: the flags are all there is.
  if (!ctx.doc && flag)
    return flagProblem(flag.flag, `required: pass ${flag.flag} (no spec file was found)`);
  const hint = key === 'version' ? '; add "version: 1"' : flag ? ` (or pass ${flag.flag})` : '';
  return place(path, 'value', `missing required key "${key}"${hint}`, ctx);
}

/** Positions a problem: on the flag it came from, else on the node (or its nearest ancestor). */
function place(
  path: PropertyKey[],
  at: 'key' | 'value',
  message: string,
  ctx: IssueContext,
): SpecProblem {
  const dotted = formatPath(path);
  for (let n = path.length; n > 0; n--) {
    const flag = ctx.flagFor(formatPath(path.slice(0, n)));
    if (flag?.given) return flagProblem(flag.flag, message);
  }
  const file = ctx.file ?? '<flags>';
  if (!ctx.doc) return { file, line: 0, column: 0, path: dotted, message };
  let node: Node | undefined;
  for (let n = path.length; n >= 0 && !node; n--) {
    const found = locate(ctx.doc, path.slice(0, n));
    // The exact node is the key or value asked for; an ancestor is best shown by its key.
    node =
      n === path.length ? (at === 'key' ? found.key : found.value) : (found.key ?? found.value);
  }
  const offset = node?.range?.[0] ?? 0;
  return { file, ...linePos(ctx.lineCounter, offset), path: dotted, message };
}

function flagProblem(flag: string, message: string): SpecProblem {
  return { file: '<flags>', line: 0, column: 0, path: flag, message };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const step of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, step))
      return undefined;
    value = (value as Record<PropertyKey, unknown>)[step];
  }
  return value;
}

function isPrimitive(value: unknown): value is number | boolean {
  return typeof value === 'number' || typeof value === 'boolean';
}

/** A short rendering of a found value for messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (value === '') return 'an empty string';
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Uint8Array) return 'binary data';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : typeof value;
}
