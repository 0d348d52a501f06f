import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);
import{e as a,f as b}from"./chunk-JDVOADHG.js";import"./chunk-SVJESEIY.js";import"./chunk-P32XRAE6.js";import"./chunk-FQWBMEM6.js";import"./chunk-Y47DI633.js";import"./chunk-7AIXEHXZ.js";import"./chunk-VF3P5K27.js";export{b as assumeRoleFetch,a as webIdentityFetch};
