#!/usr/bin/env node
import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);
import e from"node:module";e.enableCompileCache?.();await import("./chunks/cli-JQURVUZZ.js");
