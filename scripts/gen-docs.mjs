#!/usr/bin/env node
// Regenerates the docs that come from the spec schema (src/spec/schema.ts), through the built
// CLI so they show exactly what the shipped bundle accepts:
//   schema/s3ship.schema.json   ← `node dist/cli.js schema`
//   README.md, between <!-- spec-reference:start --> and <!-- spec-reference:end -->
//                               ← `node dist/cli.js schema --markdown`
// Usage: node scripts/gen-docs.mjs [--check]
//   --check  write nothing; exit 1 when either file is out of date (for CI).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.slice(2).includes('--check');
const cli = path.join(root, 'dist', 'cli.js');
const schemaFile = path.join(root, 'schema', 's3ship.schema.json');
const readmeFile = path.join(root, 'README.md');
const START = '<!-- spec-reference:start -->';
const END = '<!-- spec-reference:end -->';

const rel = (file) => path.relative(root, file);

if (!existsSync(cli)) {
  console.error(`gen-docs: ${rel(cli)} is missing; build it first (npm run bundle).`);
  process.exit(2);
}

const runCli = (...args) =>
  execFileSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });

// Re-serialized so the file's layout never depends on how the CLI prints it.
const schemaText = `${JSON.stringify(JSON.parse(runCli('schema')), null, 2)}\n`;
const table = await prettierMarkdown(runCli('schema', '--markdown').trim());

const stale = [];
await update(schemaFile, schemaText);

const readme = await readFile(readmeFile, 'utf8').catch(() => undefined);
const start = readme?.indexOf(START) ?? -1;
const end = readme?.indexOf(END) ?? -1;
if (readme === undefined) {
  console.warn(`gen-docs: warning: ${rel(readmeFile)} not found; reference table not written.`);
} else if (start === -1 || end < start) {
  console.warn(
    `gen-docs: warning: ${rel(readmeFile)} has no "${START}" … "${END}" section; ` +
      'add the two markers where the spec reference belongs. README left as is.',
  );
} else {
  const next = `${readme.slice(0, start + START.length)}\n\n${table}\n\n${readme.slice(end)}`;
  await update(readmeFile, next);
}

if (check && stale.length > 0) {
  console.error(
    `gen-docs: out of date: ${stale.join(', ')}; run "npm run docs" and commit the result.`,
  );
  process.exit(1);
}
console.log(check ? 'gen-docs: docs are up to date.' : 'gen-docs: done.');

/** Writes `file` when its content differs (or, with --check, records it as stale). */
async function update(file, content) {
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) return;
  stale.push(rel(file));
  if (check) return;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  console.log(`gen-docs: wrote ${rel(file)}`);
}

/**
 * The table as Prettier would write it (aligned columns), so `prettier --check` and this
 * script agree about the README. Without Prettier (a production install) it is used as is.
 */
async function prettierMarkdown(markdown) {
  const prettier = await import('prettier').catch(() => undefined);
  if (!prettier) return markdown;
  const options = (await prettier.resolveConfig(readmeFile)) ?? {};
  return (await prettier.format(markdown, { ...options, parser: 'markdown' })).trim();
}
