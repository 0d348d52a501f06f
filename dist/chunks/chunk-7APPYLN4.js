import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);
import r from"node:v8";function t(){r.setFlagsFromString("--semi-space-growth-factor=1"),r.setFlagsFromString("--heap-growing-percent=50")}t();
