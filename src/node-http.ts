/**
 * node:http and node:https for the lean request paths (store/s3-http.ts, credentials/identity.ts),
 * loaded through `require`, not `import`: Node builds an ES-module facade for node:http by
 * reading every export, and one of them is a lazy getter that loads Node's bundled fetch
 * (undici) — 30–40 ms of every run's startup, measured on Node 24. CommonJS loading skips the
 * facade.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const http = require('node:http') as typeof import('node:http');
export const https = require('node:https') as typeof import('node:https');
