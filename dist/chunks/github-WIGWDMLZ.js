import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);
import{a,b,c,d}from"./chunk-7RRY7HTV.js";import"./chunk-XIB4QIKX.js";import"./chunk-MZXK5JQ7.js";import"./chunk-FQWBMEM6.js";import"./chunk-VF3P5K27.js";export{a as ANNOTATION_LIMIT,b as actionInput,d as changedKeys,c as githubReporter};
