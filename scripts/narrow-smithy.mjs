// An esbuild plugin for scripts/bundle.mjs: the SigV4 signer's few helpers come from
// @smithy/core's leaf modules instead of its barrels.
//
// Why: esbuild assigns a module to a chunk by which entry points can reach it, and an
// `export * from` / `export { x } from` line in a barrel counts as reaching. The signer
// (@smithy/signature-v4) and its two helper packages import `@smithy/core/serde`,
// `/protocols` and `/client`, whose barrels re-export the SDK client's whole machinery
// (middleware stack, schemas, JSON and XML codecs). The SDK client (doctor, presign, the
// credential chain) uses those modules too, so they were not tree-shaken away: they landed in
// chunks that every deploy loaded at startup (~20 ms per run measured, ~60 KB), for a signer
// that needs a hex encoder and an URI escaper. The leaf files are the same files the barrels
// re-export, so the SDK client still shares one copy of each with the signer.
//
// Only the importers listed below are redirected, and only to the names listed: a new import
// in a later version of these packages fails the build ("No matching export"), loudly, instead
// of pulling a barrel back in silently.
import { fileURLToPath } from 'node:url';

const submodules = fileURLToPath(
  new URL('../node_modules/@smithy/core/dist-es/submodules/', import.meta.url),
);

/** What the signer and its helpers use, by the leaf module that defines it. */
const LEAVES = `
export { normalizeProvider } from './transport/normalizeProvider.js';
export { hasOwn } from './transport/hasOwn.js';
export { HttpRequest } from './transport/httpRequest.js';
export { escapeUri } from './protocols/util-uri-escape/escape-uri.js';
export { escapeUriPath } from './protocols/util-uri-escape/escape-uri-path.js';
export { buildQueryString } from './protocols/querystring-builder/buildQueryString.js';
export { toHex, fromHex } from './serde/util-hex-encoding/hex-encoding.js';
export { toUint8Array } from './serde/util-utf8/toUint8Array.js';
export { fromUtf8 } from './serde/util-utf8/fromUtf8.js';
export { writeKey } from './serde/writeKey.js';
export { isArrayBuffer } from './serde/is-array-buffer/is-array-buffer.js';
`;

/** Packages whose imports of @smithy/core's barrels are narrowed. */
const IMPORTERS =
  /node_modules\/@smithy\/(signature-v4|querystring-builder|util-uri-escape)\/dist-es\//;
const BARRELS = /^@smithy\/core\/(serde|protocols|client|transport)$/;

export const narrowSmithy = {
  name: 'narrow-smithy',
  setup(build) {
    build.onResolve({ filter: BARRELS }, (args) =>
      IMPORTERS.test(args.importer)
        ? { path: 'signer-leaves', namespace: 'narrow-smithy' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'narrow-smithy' }, () => ({
      contents: LEAVES,
      resolveDir: submodules,
      loader: 'js',
    }));
  },
};
