// Builds the committed bundles in dist/ (CI rebuilds them and fails on a diff).
// ESM for Node 22+, minified, split: each entry point loads only what its command needs
// (the AWS credential chain and the SDK's S3 client are separate chunks, imported on demand),
// which keeps a deploy's startup short on fresh CI runners that have no compile cache.
// CommonJS dependencies get a `require` through createRequire.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { mimeTablePlugin } from './mime-table.mjs';
import { narrowSmithy } from './narrow-smithy.mjs';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

// Chunk names carry a content hash: old ones must not linger in the committed tree.
await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  // scan-worker: the scan thread's code (src/scan-thread.ts), loaded by bin.ts with a Worker.
  entryPoints: { cli: 'src/bin.ts', action: 'src/action.ts', 'scan-worker': 'src/scan-worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  platform: 'node',
  // The ES-module builds first (esbuild's default for Node is `main`: CommonJS). The AWS SDK's
  // and Smithy's dist-es builds are the same Node code, and only ES modules are tree-shaken:
  // through CommonJS, the SigV4 signer pulled all of @smithy/core's serde and JSON protocol
  // code into the deploy's startup (~100 KB). Bundles: 2.06 → 1.77 MB.
  mainFields: ['module', 'main'],
  plugins: [narrowSmithy, mimeTablePlugin],
  format: 'esm',
  target: 'node22',
  legalComments: 'none',
  logLevel: 'warning',
  define: { S3SHIP_VERSION: JSON.stringify(pkg.version) },
  banner: {
    js: "import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);",
  },
});
