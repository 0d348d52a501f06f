#!/usr/bin/env node
/**
 * dist/cli.js: a tiny first module. It turns on Node's compile cache (Node ≥ 22.1) before the
 * CLI and its dependencies are loaded, so from the second run on a machine their code is not
 * parsed and compiled again, then hands over to cli.ts. Where the cache directory is not
 * writable, Node simply runs without it.
 */
import module from 'node:module';

module.enableCompileCache?.();
await import('./cli.js');
