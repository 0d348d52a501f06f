/**
 * The deploy spec loader: parse → expand → merge flags → validate → normalize. Every problem
 * found on the way is collected and thrown as one SpecError, so a user fixes a spec in one go.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, type Document } from 'yaml';
import type { DeployConfig } from '../config.js';
import { S3shipError, SpecError, type SpecProblem } from '../errors.js';
import { expandDocument, type DocumentExpansion, type Env, type SpecPath } from './expand.js';
import { defaultMessage, issuesToProblems } from './issues.js';
import { normalizeSpec } from './normalize.js';
import { formatPath, linePos, MAX_SPEC_BYTES, parseYaml, toPlain, tooLarge } from './positions.js';
import { specSchema } from './schema.js';
import { retype } from './shape.js';
import { applyOverrides, flagAt, getAt, isUnder, setAt, type SpecOverrides } from './overrides.js';

export type { SpecOverrides } from './overrides.js';
export { OVERRIDE_FLAGS } from './overrides.js';

export interface LoadOptions {
  /** Spec file path (relative to cwd); when absent, s3ship.yml then s3ship.yaml in cwd. */
  specFile?: string;
  overrides: SpecOverrides;
  /** Where `${VAR}` values come from (pass process.env at the entry point, a fixture in tests). */
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Spec file names looked for in cwd, in order. */
export const SPEC_FILE_NAMES = ['s3ship.yml', 's3ship.yaml'] as const;

/**
 * Finds, reads and loads the spec (or builds the config from flags alone when there is none).
 * @throws SpecError listing every problem; S3shipError('USAGE') when a given spec file is missing.
 */
export async function loadConfig(options: LoadOptions): Promise<DeployConfig> {
  const { cwd } = options;
  const specFile = await findSpecFile(options.specFile, cwd);
  if (specFile === undefined) {
    return buildConfig({ ...options, text: undefined, file: undefined, specFile });
  }
  const rel = path.relative(cwd, specFile);
  const display = rel.startsWith('..') || path.isAbsolute(rel) ? specFile : rel;
  const info = await stat(specFile);
  // Checked before reading: a spec path pointing at a huge file must not be read into memory.
  if (info.size > MAX_SPEC_BYTES) throw new SpecError([tooLarge(display, info.size)]);
  const text = await readFile(specFile, 'utf8').catch((error: unknown) => {
    throw new S3shipError('USAGE', `cannot read the spec file ${specFile}: ${String(error)}`, {
      cause: error,
    });
  });
  return buildConfig({ ...options, text, file: display, specFile });
}

async function findSpecFile(given: string | undefined, cwd: string): Promise<string | undefined> {
  if (given === undefined) {
    for (const name of SPEC_FILE_NAMES) {
      const candidate = path.join(cwd, name);
      if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
    }
    return undefined;
  }
  const file = path.resolve(cwd, given);
  const info = await stat(file).catch(() => undefined);
  if (!info) {
    throw new S3shipError('USAGE', `spec file not found: ${file}`, {
      details: [
        `Check the path given with -c/--config, or leave it out to use ${SPEC_FILE_NAMES.join(' or ')} in ${cwd}.`,
      ],
    });
  }
  if (!info.isFile()) {
    throw new S3shipError('USAGE', `the spec path is not a file: ${file}`, {
      details: ['Give the path of the YAML file itself (e.g. path/to/s3ship.yml).'],
    });
  }
  return file;
}

/** Options of {@link parseSpecText}. */
export interface ParseOptions {
  env: Env;
  overrides?: SpecOverrides;
  /** Resolves a relative `file` and the `source` flag; defaults to the spec file's directory. */
  cwd?: string;
}

/**
 * Loads a spec from text, without touching the filesystem (for tests and tools).
 * `file` names the spec in problems; relative `source` values resolve against its directory.
 * @throws SpecError listing every problem.
 */
export function parseSpecText(text: string, file: string, options: ParseOptions): DeployConfig {
  const specFile = path.resolve(options.cwd ?? path.dirname(path.resolve(file)), file);
  return buildConfig({
    text,
    file,
    specFile,
    env: options.env,
    overrides: options.overrides ?? {},
    cwd: options.cwd ?? path.dirname(specFile),
  });
}

interface BuildInput {
  text: string | undefined;
  file: string | undefined;
  specFile: string | undefined;
  overrides: SpecOverrides;
  env: Env;
  cwd: string;
}

function buildConfig(input: BuildInput): DeployConfig {
  const file = input.file ?? '<flags>';
  // Without a spec file the flags are the spec: version is implied, target filled from flags.
  let raw: unknown = { version: 1, target: {} };
  let doc: Document.Parsed | undefined;
  let lineCounter = new LineCounter();
  let expansion: DocumentExpansion = { problems: [], substituted: [] };
  if (input.text !== undefined) {
    const parsed = parseYaml(input.text, file);
    // After a syntax error the tree is a guess; schema problems about it would only be noise.
    if (parsed.problems.length > 0) throw new SpecError(parsed.problems);
    ({ doc, lineCounter } = parsed);
    expansion = doc ? expandDocument(doc, input.env) : expansion;
    const plain = toPlain(parsed, file);
    if (plain.problem) throw new SpecError([plain.problem]);
    raw = plain.value;
  }

  const { merged, given } = applyOverrides(raw, input.overrides);
  raw = merged;
  const overridden = (p: SpecPath): boolean => {
    const dotted = formatPath(p);
    return [...given].some((g) => isUnder(dotted, g));
  };

  const problems: SpecProblem[] = [];
  const suppressed = new Set<string>();
  for (const { path: p, node, message } of expansion.problems) {
    if (overridden(p) || problems.length > MAX_PROBLEMS) continue;
    suppressed.add(formatPath(p));
    problems.push({
      file,
      ...linePos(lineCounter, node.range?.[0] ?? 0),
      path: formatPath(p),
      message,
    });
  }
  for (const p of expansion.substituted) {
    const value = getAt(raw, p);
    if (overridden(p) || typeof value !== 'string') continue;
    const typed = retype(specSchema, p, value);
    if (typed !== value) raw = setAt(raw, p, typed);
  }

  const result = specSchema.safeParse(raw, { error: (issue) => defaultMessage(issue) });
  if (!result.success) {
    const flagFor = (dotted: string) => flagAt(dotted, given);
    const ctx = { file: input.file, doc, lineCounter, input: raw, flagFor, schema: specSchema };
    problems.push(...issuesToProblems(result.error.issues, ctx, suppressed, MAX_PROBLEMS + 1));
  }
  if (problems.length > 0 || !result.success)
    throw new SpecError(capProblems(sortProblems(problems), file));

  const sourceFromFlag = input.overrides.source !== undefined || input.specFile === undefined;
  return normalizeSpec(result.data, {
    specFile: input.specFile,
    sourceBase: sourceFromFlag ? input.cwd : path.dirname(input.specFile ?? input.cwd),
    substituted: new Set(expansion.substituted.map(formatPath)),
  });
}

/** Problems listed at most; past a screenful more of them help nobody. */
const MAX_PROBLEMS = 50;

function capProblems(problems: SpecProblem[], file: string): SpecProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  const more = {
    file,
    line: 0,
    column: 0,
    path: '',
    message: 'more problems not shown; fix these first',
  };
  return [...problems.slice(0, MAX_PROBLEMS), more];
}

/** File problems in reading order, then those about flags. */
function sortProblems(problems: SpecProblem[]): SpecProblem[] {
  const rank = (p: SpecProblem): number => (p.file === '<flags>' ? 1 : 0);
  return problems.sort((a, b) => rank(a) - rank(b) || a.line - b.line || a.column - b.column);
}
