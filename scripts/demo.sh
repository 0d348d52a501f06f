#!/usr/bin/env bash
# npm run demo: deploy examples/site to a local S3 (Ceph RADOS Gateway on 127.0.0.1), twice,
# to show that the second deploy uploads nothing; then list what is in the bucket.
#
# On a fresh Debian 12 machine it installs what it needs first (the gateway's Debian packages
# via apt-get, node_modules via npm ci). It starts the gateway unless one is running, and leaves
# it running afterwards (stop it with scripts/rgw-down.sh).
#
# Env: CEPH_DIR (default /tmp/s3ship-rgw), RGW_PORT (default 7480), S3SHIP_BUCKET (default demo-site)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export CEPH_DIR=${CEPH_DIR:-/tmp/s3ship-rgw}
BUCKET=${S3SHIP_BUCKET:-demo-site}
SPEC=examples/site/s3ship.yml
PACKAGES=(radosgw ceph-mon ceph-osd ceph-common uuid-runtime curl)

if [ -t 1 ]; then say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }; else say() { printf '\n== %s\n' "$*"; }; fi
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# ---- what the demo needs --------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install ${missing[*]}"
    SUDO=(sudo -E)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi
NODE=node_modules/.bin/node
[ -x "$NODE" ] || NODE=node
if [ ! -f dist/cli.js ]; then
  say "npm run bundle (dist/cli.js missing)"
  npm run bundle
fi

# ---- the gateway ------------------------------------------------------------------------
answers() { [ -f "$CEPH_DIR/s3.env" ] && curl -s -o /dev/null --max-time 5 "$(. "$CEPH_DIR/s3.env"; echo "$S3_ENDPOINT")/"; }
daemons_alive() {
  local f pid
  for f in "$CEPH_DIR"/pids/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$CEPH_DIR/" && return 0
  done
  return 1
}

# someone else may be starting it right now (no s3.env yet): wait for that rather than disturb it
for _ in $(seq 1 120); do
  answers && break
  [ ! -f "$CEPH_DIR/s3.env" ] && daemons_alive || break
  sleep 0.5
done
if answers; then
  say "gateway already running ($CEPH_DIR)"
else
  if [ -d "$CEPH_DIR/pids" ]; then
    say "cleaning up a stale gateway in $CEPH_DIR"
    FAST=1 bash scripts/rgw-down.sh
  fi
  say "starting the gateway"
  bash scripts/rgw-up.sh
fi

set -a
# shellcheck disable=SC1091
. "$CEPH_DIR/s3.env"
set +a
# host credentials/profiles must not leak into a demo against the local gateway
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
export S3_ENDPOINT S3SHIP_BUCKET=$BUCKET
echo "endpoint $S3_ENDPOINT, bucket $BUCKET"

# ---- bucket -----------------------------------------------------------------------------
"$NODE" --input-type=module -e '
import { S3Client, CreateBucketCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
const s3 = new S3Client({ endpoint: process.env.S3_ENDPOINT, region: process.env.AWS_REGION, forcePathStyle: true });
const Bucket = process.argv[1];
try {
  await s3.send(new HeadBucketCommand({ Bucket }));
  console.log(`bucket ${Bucket} exists`);
} catch (e) {
  if (e.$metadata?.httpStatusCode !== 404) throw e;
  await s3.send(new CreateBucketCommand({ Bucket }));
  console.log(`bucket ${Bucket} created`);
}
' "$BUCKET"

# ---- deploy twice -----------------------------------------------------------------------
puts_since() { tail -c +"$(($1 + 1))" "$S3_RGW_LOG" | grep -c " beast: .*\"PUT /$BUCKET/" || true; }
log_size() { stat -c %s "$S3_RGW_LOG"; }

for run in first second; do
  say "$run deploy: node dist/cli.js deploy -c $SPEC"
  mark=$(log_size)
  rc=0
  "$NODE" dist/cli.js deploy -c "$SPEC" || rc=$?
  sleep 0.1
  echo "(the gateway's access log saw $(puts_since "$mark") PUT request(s) to $BUCKET; exit code $rc)"
  [ "$rc" -eq 0 ] || die "deploy failed (exit $rc)"
done

# ---- what is there ----------------------------------------------------------------------
say "objects in s3://$BUCKET"
"$NODE" --input-type=module -e '
import { S3Client, ListObjectsV2Command, HeadObjectCommand } from "@aws-sdk/client-s3";
const s3 = new S3Client({ endpoint: process.env.S3_ENDPOINT, region: process.env.AWS_REGION, forcePathStyle: true });
const Bucket = process.argv[1];
const rows = [];
let ContinuationToken;
do {
  const page = await s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
  for (const o of page.Contents ?? []) {
    const h = await s3.send(new HeadObjectCommand({ Bucket, Key: o.Key }));
    rows.push([o.Key, String(o.Size), h.ContentType ?? "", h.ContentEncoding ?? "", h.CacheControl ?? ""]);
  }
  ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
} while (ContinuationToken);
const head = ["key", "bytes", "content-type", "encoding", "cache-control"];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === 1 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ").trimEnd());
console.log(`${rows.length} object(s)`);
' "$BUCKET"

say "the gateway is still running at $S3_ENDPOINT"
echo "use it:  source $CEPH_DIR/s3.env && aws --endpoint-url \$S3_ENDPOINT s3 ls s3://$BUCKET"
if [ "$CEPH_DIR" = /tmp/s3ship-rgw ]; then
  echo "stop it: bash scripts/rgw-down.sh"
else
  echo "stop it: CEPH_DIR=$CEPH_DIR bash scripts/rgw-down.sh"
fi
