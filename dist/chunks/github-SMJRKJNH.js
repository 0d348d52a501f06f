import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);
import{a,b,c,d}from"./chunk-IZBDLLQT.js";import"./chunk-JS2IUTPC.js";import"./chunk-MZXK5JQ7.js";import"./chunk-FQWBMEM6.js";import"./chunk-AQ7AMGI6.js";export{a as ANNOTATION_LIMIT,b as actionInput,d as changedKeys,c as githubReporter};
