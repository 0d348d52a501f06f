/**
 * `${VAR}` / `${VAR:-default}` expansion of the spec's string values.
 *
 * Expansion runs on parsed scalar values, never on the raw text: a variable holding
 * `"x\nsource: /etc"` stays one string and cannot add keys. Keys are never expanded, so the
 * shape of a spec is always what the file says.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';

/** The environment variables are read from (injected: tests and the CLI pass their own). */
export type Env = Readonly<Record<string, string | undefined>>;

export interface ExpandResult {
  value: string;
  /** True when at least one `${…}` was replaced (not just `$${` escapes). */
  substituted: boolean;
  /** One message per reference that could not be expanded. */
  errors: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands `${VAR}` and `${VAR:-default}` in one string; `$${` stands for a literal `${`.
 *
 * Like the shell, `:-` uses the default when VAR is unset or empty. Unlike the shell, a bare
 * `${VAR}` that is unset or empty is an error: in CI an empty value is almost always a secret
 * that was not passed (e.g. a pull request from a fork), and deploying to bucket "" or prefix ""
 * by accident is worse than stopping. Write `${VAR:-}` to accept an empty value on purpose.
 * The default is literal text (no nested `${…}`) up to the first `}`.
 */
export function expandString(input: string, env: Env): ExpandResult {
  let value = '';
  let substituted = false;
  const errors: string[] = [];
  let i = 0;
  while (i < input.length) {
    const dollar = input.indexOf('$', i);
    if (dollar === -1) break;
    value += input.slice(i, dollar);
    if (input.startsWith('$${', dollar)) {
      value += '${';
      i = dollar + 3;
      continue;
    }
    if (input[dollar + 1] !== '{') {
      value += '$';
      i = dollar + 1;
      continue;
    }
    const close = input.indexOf('}', dollar + 2);
    if (close === -1) {
      errors.push(`unterminated "\${" (write "$\${" for a literal "\${")`);
      value += input.slice(dollar);
      i = input.length;
      break;
    }
    const body = input.slice(dollar + 2, close);
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    i = close + 1;
    if (!NAME.test(name)) {
      errors.push(
        `"\${${body}}" is not a variable reference: expected \${NAME} or \${NAME:-default} ` +
          `(write "$\${" for a literal "\${")`,
      );
      value += input.slice(dollar, close + 1);
      continue;
    }
    substituted = true;
    const current = Object.hasOwn(env, name) ? env[name] : undefined;
    if (current !== undefined && current !== '') {
      value += current;
    } else if (sep !== -1) {
      value += body.slice(sep + 2);
    } else {
      const state = current === undefined ? 'is not set' : 'is set but empty';
      errors.push(
        `environment variable ${name} ${state}; set it, or write \${${name}:-default} to use a default`,
      );
    }
  }
  if (i < input.length) value += input.slice(i);
  return { value, substituted, errors };
}

/** A path into the spec: keys and sequence indices, like zod's issue paths. */
export type SpecPath = (string | number)[];

export interface DocumentExpansion {
  /** Problems found, each with the scalar node it concerns. */
  problems: { path: SpecPath; node: Node; message: string }[];
  /** Paths of values that came from `${…}` (they are strings even when they hold a number). */
  substituted: SpecPath[];
}

/** Depth beyond which the walk stops: no real spec nests this deep; the guard keeps the stack safe. */
const MAX_DEPTH = 64;

/**
 * Expands every string scalar of `doc` in place (so `doc.toJS()` yields expanded values).
 * Aliases are not followed: the anchored node is expanded once, where it is defined.
 */
export function expandDocument(doc: Document, env: Env): DocumentExpansion {
  const result: DocumentExpansion = { problems: [], substituted: [] };
  const walk = (node: unknown, path: SpecPath): void => {
    if (path.length > MAX_DEPTH || isAlias(node)) return;
    if (isScalar(node)) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return;
      const expanded = expandString(node.value, env);
      for (const message of expanded.errors) result.problems.push({ path, node, message });
      if (expanded.substituted) result.substituted.push(path);
      node.value = expanded.value;
    } else if (isMap(node)) {
      for (const pair of node.items) walk(pair.value, [...path, keyText(pair.key)]);
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
    }
  };
  walk(doc.contents, []);
  return result;
}

/** The text of a mapping key as it appears in the JS object `toJS()` builds. */
export function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}
