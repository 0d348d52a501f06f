// Builds src/content-type.ts the way scripts/bundle.mjs does (with the MIME table plugin) and
// compares its Content-Type with mime-types' own for every extension mime-db knows, in upper
// case too, and for names without a usable extension. Prints { checked, mismatches } as JSON.
// Run by test/unit/content-type.test.ts.
import { build } from 'esbuild';
import mime from 'mime-types';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mimeTablePlugin } from './mime-table.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 's3ship-mime-'));
const out = path.join(dir, 'content-type.mjs');
try {
  await build({
    entryPoints: [path.resolve(import.meta.dirname, '../src/content-type.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    plugins: [mimeTablePlugin],
    logLevel: 'warning',
  });
  const { contentTypeOf } = await import(pathToFileURL(out).href);
  const names = ['Makefile', '.htaccess', 'a.tar.gz', 'trailing.', 'x.no-such-extension', ''];
  for (const ext of Object.keys(mime.types))
    names.push(`file.${ext}`, `FILE.${ext.toUpperCase()}`, `.${ext}`);
  const mismatches = [];
  for (const name of names) {
    const want = mime.contentType(name) || 'application/octet-stream';
    const got = contentTypeOf(name);
    if (got !== want) mismatches.push({ name, want, got });
  }
  console.log(JSON.stringify({ checked: names.length, mismatches: mismatches.slice(0, 20) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
