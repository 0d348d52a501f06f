#!/usr/bin/env node
import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);
import{a as o}from"./chunks/chunk-5ULDROIM.js";import"./chunks/chunk-AQ7AMGI6.js";import r from"node:module";r.enableCompileCache?.();process.argv.slice(2).some(e=>e==="deploy"||e==="plan"||e==="prune")&&o(new URL("./scan-worker.js",import.meta.url));await import("./chunks/cli-5I24WGLM.js");
