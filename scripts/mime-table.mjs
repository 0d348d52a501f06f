// An esbuild plugin for scripts/bundle.mjs: src/content-type.ts's `mime-types` becomes a table
// of extension → Content-Type computed at bundle time by mime-types itself.
//
// Why: loading mime-types builds its maps from the whole mime-db database (~2,500 types,
// ~1,200 extensions) on the first upload of every run — on the critical path of a deploy that
// uploads one file. The table holds exactly what `mime.contentType(ext)` answers for every
// extension mime-db knows (charset included), as one JSON string, which V8 parses far faster
// than the object literal the bundle would otherwise carry; the lookup takes the extension the
// way mime-types does (`extname('x.' + name)`, lower-cased). Tests run the sources, so they
// use mime-types itself; test/unit/content-type.test.ts checks that the table answers as it
// does for every extension and for names without one.
//
// Only content-type.ts's import is replaced, and it uses `contentType` alone: a module that
// needs more of mime-types gets the real one.
import mime from 'mime-types';

/** What mime-types answers for each extension mime-db knows. */
export function mimeTable() {
  const table = {};
  for (const ext of Object.keys(mime.types)) {
    const type = mime.contentType(ext);
    if (type) table[ext] = type;
  }
  return table;
}

const IMPORTER = /src\/content-type\.ts$/;

export const mimeTablePlugin = {
  name: 'mime-table',
  setup(build) {
    build.onResolve({ filter: /^mime-types$/ }, (args) =>
      IMPORTER.test(args.importer) ? { path: 'mime-table', namespace: 'mime-table' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'mime-table' }, () => ({
      contents: `import { extname } from 'node:path';
const TABLE = JSON.parse(${JSON.stringify(JSON.stringify(mimeTable()))});
export default {
  contentType(name) {
    const ext = extname('x.' + name).toLowerCase().slice(1);
    return (ext && Object.hasOwn(TABLE, ext) && TABLE[ext]) || false;
  },
};
`,
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};
