#!/usr/bin/env node
import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);
import"./chunks/chunk-7APPYLN4.js";import"./chunks/chunk-VF3P5K27.js";import e from"node:module";e.enableCompileCache?.();await import("./chunks/cli-INS2X2N3.js");
