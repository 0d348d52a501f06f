#!/usr/bin/env node
/**
 * dist/cli.js: a tiny first module. It turns on Node's compile cache (Node ≥ 22.1) before the
 * CLI and its dependencies are loaded, so from the second run on a machine their code is not
 * parsed and compiled again; starts the scan thread for the commands that walk the source, so
 * its start-up overlaps the loading; then hands over to cli.ts. Where the cache directory is
 * not writable, Node simply runs without it.
 */
import module from 'node:module';
import { startScanThread } from './scan-thread-start.js';

module.enableCompileCache?.();
// A cheap look at argv (the real parse is in cli.ts): a thread started for nothing is unused
// and does not hold the process; one not started means the scan runs in the main thread.
if (process.argv.slice(2).some((arg) => arg === 'deploy' || arg === 'plan' || arg === 'prune'))
  startScanThread(new URL('./scan-worker.js', import.meta.url));
await import('./cli.js');
