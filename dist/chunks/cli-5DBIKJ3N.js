#!/usr/bin/env node
import { createRequire as __s3shipCreateRequire } from 'node:module'; const require = __s3shipCreateRequire(import.meta.url);
import{a as h,b as g,c as y,d as w,e as S,f as x,g as v,h as j}from"./chunk-OFJVXT4H.js";import"./chunk-B2DSJWVQ.js";import{a as m,b as k}from"./chunk-U4B2EZ5H.js";import"./chunk-RKCR5HD3.js";import{f as b}from"./chunk-IUZBECGY.js";import"./chunk-RYWLQCJM.js";import"./chunk-ECYCHVL3.js";import"./chunk-WH6M5G5C.js";import"./chunk-5ULDROIM.js";import"./chunk-R7U6E5JD.js";import"./chunk-I3H2WDFE.js";import{a as l,b as f}from"./chunk-JS2IUTPC.js";import"./chunk-MZXK5JQ7.js";import{a as o}from"./chunk-FQWBMEM6.js";import"./chunk-6UMH6NLI.js";import"./chunk-LKU3UBBQ.js";import"./chunk-7FP22DFE.js";import"./chunk-VBKI65EO.js";import"./chunk-AQ7AMGI6.js";import{parseArgs as N}from"node:util";var C=`s3ship \u2014 deploy a directory to S3 (or any S3-compatible store), uploading only what changed.

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
      --max-delete <n>     delete nothing when more than n keys are stale (default 256)
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

Exit codes: 0 done \xB7 1 some operations failed \xB7 2 bad spec or usage \xB7 3 credentials or access refused`,I=new Set(["deploy","plan","prune","doctor","presign","schema","help","version"]);function R(e){let r;try{r=N({args:e,allowPositionals:!0,strict:!0,options:{config:{type:"string",short:"c"},source:{type:"string"},bucket:{type:"string"},prefix:{type:"string"},region:{type:"string"},endpoint:{type:"string"},delete:{type:"boolean"},"max-delete":{type:"string"},concurrency:{type:"string"},credentials:{type:"string"},"role-arn":{type:"string"},audience:{type:"string"},"dry-run":{type:"boolean"},force:{type:"boolean"},shard:{type:"string"},json:{type:"boolean"},markdown:{type:"boolean"},report:{type:"string"},"junit-file":{type:"string"},"dotenv-file":{type:"string"},"json-file":{type:"string"},post:{type:"boolean"},expires:{type:"string"},"max-size":{type:"string"},"content-type":{type:"string"},html:{type:"string"},help:{type:"boolean",short:"h"},version:{type:"boolean"}}})}catch(O){throw new o("USAGE",`${O.message} \u2014 run "s3ship --help" for the flags.`)}let{values:n,positionals:t}=r,p=t[0]??(n.version?"version":"help"),s=n.help?"help":p;if(!I.has(s))throw new o("USAGE",`Unknown command "${p}" \u2014 expected deploy, plan, doctor, presign or schema (see "s3ship --help").`);if(t.length>1&&s!=="presign")throw new o("USAGE",`Unexpected argument "${t[1]}" \u2014 flags take the form --name value (see "s3ship --help").`);let d={...n.source!==void 0?{source:n.source}:{},...n.bucket!==void 0?{bucket:n.bucket}:{},...n.prefix!==void 0?{prefix:n.prefix}:{},...n.region!==void 0?{region:n.region}:{},...n.endpoint!==void 0?{endpoint:n.endpoint}:{},...n.delete!==void 0?{delete:n.delete}:{},...n["max-delete"]!==void 0?{maxDelete:E("--max-delete",n["max-delete"])}:{},...n.concurrency!==void 0?{concurrency:E("--concurrency",n.concurrency)}:{},...n.credentials!==void 0?{credentials:n.credentials}:{},...n["role-arn"]!==void 0?{roleArn:n["role-arn"]}:{},...n.audience!==void 0?{audience:n.audience}:{}};return{command:s,specFile:n.config,overrides:d,dryRun:s==="plan"||n["dry-run"]===!0,force:n.force===!0,shard:n.shard===void 0?void 0:m(n.shard),json:n.json===!0,markdown:n.markdown===!0,presign:{keys:s==="presign"?t.slice(1):[],post:n.post===!0,expires:n.expires,maxSize:n["max-size"],contentType:n["content-type"],html:n.html,json:n.json===!0},report:{kind:A(n.report),files:{...n["junit-file"]?{junit:n["junit-file"]}:{},...n["dotenv-file"]?{dotenv:n["dotenv-file"]}:{},...n["json-file"]?{json:n["json-file"]}:{}}}}}function A(e){if(e!==void 0){if(l.includes(e))return e;throw new o("USAGE",`--report expects one of ${l.join(", ")}, got "${e}" \u2014 e.g. --report gitlab.`)}}function E(e,r){if(!/^\d+$/.test(r))throw new o("USAGE",`${e} expects a whole number, got "${r}" \u2014 e.g. ${e} 16.`);return Number(r)}var a=S,i=e=>x(`${e}
`);async function F(e){let r=R(e);switch(r.command){case"help":return a(C),0;case"version":return a(b),0;case"schema":{let{renderSpecReference:n,specJsonSchema:t}=await import("./reference-Q53W77Y5.js");return a(r.markdown?n():JSON.stringify(t(),null,2)),0}case"doctor":return(await import("./command-YG2CLGIU.js")).doctorCommand(await c(r),{env:process.env,out:a,err:i,json:r.json,clockOffsetMs:u()});case"presign":return(await import("./presign-command-QXQEQ3QT.js")).presignCommand(await c(r),r.presign,{env:process.env,out:a,err:i,clockOffsetMs:u()});default:return $(r)}}function c(e){return j({...e.specFile?{specFile:e.specFile}:{},overrides:e.overrides,env:process.env,cwd:process.cwd()})}function u(){let e=Number(process.env.S3SHIP_CLOCK_OFFSET_MS??0);return Number.isFinite(e)?e:0}async function $(e){let r=process.env,n=await y(e.report.kind??f(r),{command:e.command==="plan"?"plan":"deploy",dryRun:e.dryRun,json:e.json,terminal:v(r),files:e.report.files,env:r,cwd:process.cwd(),progressIntervalSeconds:P(r)}),t=new AbortController,p=d=>{i(`${d}: stopping \u2014 no new uploads start; multipart uploads in flight are aborted.`),t.abort(new o("INTERRUPTED",`Interrupted by ${d}`))};process.once("SIGINT",p).once("SIGTERM",p);let s=g(r.NODE_DEBUG);return s&&i(`warning: ${s}`),w({load:()=>c(e),options:{dryRun:e.dryRun,force:e.force,...e.shard?{shard:e.shard}:{},...e.command==="prune"?{prune:!0}:{}}},n,{env:r,signal:t.signal,mask:h(r,e.json?i:a),clockOffsetMs:u(),scanner:k()})}function P(e){let r=Number(e.S3SHIP_PROGRESS_INTERVAL??5);return Number.isFinite(r)&&r>=0?r:5}function G(e){return e instanceof o?(i(`error: ${e.message}`),e.details.forEach(r=>i(`  ${r}`)),e.exitCode):(i(`error: unexpected failure, please report it: ${e instanceof Error?e.stack??e.message:String(e)}`),1)}F(process.argv.slice(2)).then(e=>{process.exitCode=e},e=>{process.exitCode=G(e)});
