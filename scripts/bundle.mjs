// Builds the committed single-file bundles in dist/ (CI rebuilds them and fails on a diff).
// ESM output for Node 22+; CommonJS dependencies get a `require` through createRequire.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  legalComments: 'none',
  logLevel: 'warning',
  define: { S3SHIP_VERSION: JSON.stringify(pkg.version) },
  banner: {
    js: "import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);",
  },
});
