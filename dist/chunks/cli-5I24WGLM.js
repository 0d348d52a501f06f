#!/usr/bin/env node
import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);
import{a as g,b as y,c as w,d as x,e as S,f as v,g as j,h as E}from"./chunk-5RVBS3EM.js";import"./chunk-YTCF75TN.js";import{a as h,b as k}from"./chunk-H5JBWZEJ.js";import"./chunk-RKCR5HD3.js";import{f as b}from"./chunk-MBEFAGJ3.js";import"./chunk-JE3W2GQB.js";import"./chunk-42FFS3EW.js";import"./chunk-WH6M5G5C.js";import"./chunk-5ULDROIM.js";import"./chunk-KXPMGSIY.js";import"./chunk-BC6GFJKE.js";import{a as l,b as m}from"./chunk-LEIIAI33.js";import"./chunk-QLEUJQDX.js";import{c as f}from"./chunk-7DYYWOK6.js";import"./chunk-DU5S2ROI.js";import{a as t}from"./chunk-AAIACUJP.js";import"./chunk-6UMH6NLI.js";import"./chunk-LKU3UBBQ.js";import"./chunk-7FP22DFE.js";import"./chunk-VBKI65EO.js";import"./chunk-AQ7AMGI6.js";import{parseArgs as $}from"node:util";var C=`s3ship \u2014 deploy a directory to S3 (or any S3-compatible store), uploading only what changed.

Usage:
  s3ship deploy [-c s3ship.yml] [flags]   upload what changed, then delete stale keys if asked
  s3ship plan   [-c s3ship.yml] [flags]   show what deploy would do; writes nothing
  s3ship prune  [-c s3ship.yml] [flags]   only delete stale keys (the last job after sharded deploys)
  s3ship doctor [-c s3ship.yml] [flags]   check that a deploy would work: credentials, clock,
                                          region, permissions (with a probe object); print
                                          the least IAM policy for the spec
  s3ship presign <key>... [--expires 1h]  presigned GET URLs for keys under the prefix
  s3ship presign --post <key|prefix/>     presigned POST form for browser uploads:
        [--max-size 10MiB] [--content-type image/] [--expires 1h] [--html form.html]
  s3ship schema [--markdown]              print the spec's JSON Schema (or the reference table)

Flags (override the spec):
  -c, --config <file>      spec file (default: ./s3ship.yml if present)
      --source <dir>       directory to deploy
      --bucket <name>      target bucket
      --prefix <prefix>    key prefix (deletes never leave it)
      --region <region>    bucket region (default: AWS_REGION, then the bucket's own)
      --endpoint <url>     S3-compatible endpoint (path-style addressing is then the default)
      --delete             delete keys under the prefix that are not in the source
      --max-delete <n|p%>  delete nothing when more than n keys, or p% of the keys under the
                           prefix, are stale (default 50%)
      --allow-empty-source deploy a source with no files although --delete is on (refused
                           otherwise: every key would be stale)
      --concurrency <n>    requests in flight, at most (default 64)
      --credentials <src>  use only this credentials source: spec, env, web-identity, profile,
                           default (default: auto, the first that applies)
      --role-arn <arn>     role to assume with a web identity (OIDC) token
      --audience <aud>     audience of that token (default sts.amazonaws.com)
      --dry-run            like plan: decide everything, write nothing
      --force              upload every file, changed or not
      --shard <i/n>        upload only share i of n (stable hash of the key); run
                           "s3ship prune" once after all n jobs to delete stale keys
      --json               one JSON document on stdout (counts, bytes, every key with its reason)

Reports (in CI the format is detected: GitHub Actions, GitLab CI, Jenkins):
      --report <kind>      github, gitlab, jenkins or plain
      --junit-file <file>  JUnit XML, a test case per key (gitlab, jenkins: s3ship-junit.xml)
      --dotenv-file <file> counts as NAME=value lines (gitlab: s3ship.env)
      --json-file <file>   the --json document (jenkins: s3ship-report.json)
  -h, --help, --version

Exit codes: 0 done \xB7 1 some operations failed \xB7 2 bad spec or usage, or a guard refused the
plan (an empty source with --delete, immutable keys changed) \xB7 3 credentials or access refused`,N=new Set(["deploy","plan","prune","doctor","presign","schema","help","version"]);function R(n){let r;try{r=$({args:n,allowPositionals:!0,strict:!0,options:{config:{type:"string",short:"c"},source:{type:"string"},bucket:{type:"string"},prefix:{type:"string"},region:{type:"string"},endpoint:{type:"string"},delete:{type:"boolean"},"allow-empty-source":{type:"boolean"},"max-delete":{type:"string"},concurrency:{type:"string"},credentials:{type:"string"},"role-arn":{type:"string"},audience:{type:"string"},"dry-run":{type:"boolean"},force:{type:"boolean"},shard:{type:"string"},json:{type:"boolean"},markdown:{type:"boolean"},report:{type:"string"},"junit-file":{type:"string"},"dotenv-file":{type:"string"},"json-file":{type:"string"},post:{type:"boolean"},expires:{type:"string"},"max-size":{type:"string"},"content-type":{type:"string"},html:{type:"string"},help:{type:"boolean",short:"h"},version:{type:"boolean"}}})}catch(O){throw new t("USAGE",`${O.message} \u2014 run "s3ship --help" for the flags.`)}let{values:e,positionals:o}=r,p=o[0]??(e.version?"version":"help"),s=e.help?"help":p;if(!N.has(s))throw new t("USAGE",`Unknown command "${p}" \u2014 expected deploy, plan, doctor, presign or schema (see "s3ship --help").`);if(o.length>1&&s!=="presign")throw new t("USAGE",`Unexpected argument "${o[1]}" \u2014 flags take the form --name value (see "s3ship --help").`);let d={...e.source!==void 0?{source:e.source}:{},...e.bucket!==void 0?{bucket:e.bucket}:{},...e.prefix!==void 0?{prefix:e.prefix}:{},...e.region!==void 0?{region:e.region}:{},...e.endpoint!==void 0?{endpoint:e.endpoint}:{},...e.delete!==void 0?{delete:e.delete}:{},...e["allow-empty-source"]!==void 0?{allowEmptySource:e["allow-empty-source"]}:{},...e["max-delete"]!==void 0?{maxDelete:F("--max-delete",e["max-delete"])}:{},...e.concurrency!==void 0?{concurrency:I("--concurrency",e.concurrency)}:{},...e.credentials!==void 0?{credentials:e.credentials}:{},...e["role-arn"]!==void 0?{roleArn:e["role-arn"]}:{},...e.audience!==void 0?{audience:e.audience}:{}};return{command:s,specFile:e.config,overrides:d,dryRun:s==="plan"||e["dry-run"]===!0,force:e.force===!0,shard:e.shard===void 0?void 0:h(e.shard),json:e.json===!0,markdown:e.markdown===!0,presign:{keys:s==="presign"?o.slice(1):[],post:e.post===!0,expires:e.expires,maxSize:e["max-size"],contentType:e["content-type"],html:e.html,json:e.json===!0},report:{kind:A(e.report),files:{...e["junit-file"]?{junit:e["junit-file"]}:{},...e["dotenv-file"]?{dotenv:e["dotenv-file"]}:{},...e["json-file"]?{json:e["json-file"]}:{}}}}}function A(n){if(n!==void 0){if(l.includes(n))return n;throw new t("USAGE",`--report expects one of ${l.join(", ")}, got "${n}" \u2014 e.g. --report gitlab.`)}}function F(n,r){let e=f(r);if(e!==void 0)return e;throw new t("USAGE",`${n} expects a whole number of keys or a share of the keys under the prefix, got "${r}" \u2014 e.g. ${n} 100 or ${n} 25%.`)}function I(n,r){if(!/^\d+$/.test(r))throw new t("USAGE",`${n} expects a whole number, got "${r}" \u2014 e.g. ${n} 16.`);return Number(r)}var a=S,i=n=>v(`${n}
`);async function P(n){let r=R(n);switch(r.command){case"help":return a(C),0;case"version":return a(b),0;case"schema":{let{renderSpecReference:e,specJsonSchema:o}=await import("./reference-SON2LALF.js");return a(r.markdown?e():JSON.stringify(o(),null,2)),0}case"doctor":return(await import("./command-4P3YT4BB.js")).doctorCommand(await c(r),{env:process.env,out:a,err:i,json:r.json,clockOffsetMs:u()});case"presign":return(await import("./presign-command-N2T6YWVB.js")).presignCommand(await c(r),r.presign,{env:process.env,out:a,err:i,clockOffsetMs:u()});default:return G(r)}}function c(n){return E({...n.specFile?{specFile:n.specFile}:{},overrides:n.overrides,env:process.env,cwd:process.cwd()})}function u(){let n=Number(process.env.S3SHIP_CLOCK_OFFSET_MS??0);return Number.isFinite(n)?n:0}async function G(n){let r=process.env,e=await w(n.report.kind??m(r),{command:n.command==="plan"?"plan":"deploy",dryRun:n.dryRun,json:n.json,terminal:j(r),files:n.report.files,env:r,cwd:process.cwd(),progressIntervalSeconds:M(r)}),o=new AbortController,p=d=>{i(`${d}: stopping \u2014 no new uploads start; multipart uploads in flight are aborted.`),o.abort(new t("INTERRUPTED",`Interrupted by ${d}`))};process.once("SIGINT",p).once("SIGTERM",p);let s=y(r.NODE_DEBUG);return s&&i(`warning: ${s}`),x({load:()=>c(n),options:{dryRun:n.dryRun,force:n.force,...n.shard?{shard:n.shard}:{},...n.command==="prune"?{prune:!0}:{}}},e,{env:r,signal:o.signal,mask:g(r,n.json?i:a),clockOffsetMs:u(),scanner:k()})}function M(n){let r=Number(n.S3SHIP_PROGRESS_INTERVAL??5);return Number.isFinite(r)&&r>=0?r:5}function T(n){return n instanceof t?(i(`error: ${n.message}`),n.details.forEach(r=>i(`  ${r}`)),n.exitCode):(i(`error: unexpected failure, please report it: ${n instanceof Error?n.stack??n.message:String(n)}`),1)}P(process.argv.slice(2)).then(n=>{process.exitCode=n},n=>{process.exitCode=T(n)});
