#!/usr/bin/env bash
# Starts a real Docker engine in swarm mode on this machine for the Swarm adapter's integration tests, and builds
# the test image localhost/baton-busybox:1 (busybox from busybox-static, no registry needed). Runs as root; safe to
# run again. Nothing listens beyond loopback: the engine has no bridge and no iptables rules, and swarm advertises
# 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if ! command -v dockerd >/dev/null 2>&1 || [ ! -x /bin/busybox ] || ! command -v gcc >/dev/null 2>&1; then
  apt-get install -y -qq docker.io busybox-static gcc libc6-dev >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  nohup dockerd --bridge=none --iptables=false --ip-masq=false >/var/log/baton-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    if [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; then break; fi
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start:"; tail -n 50 /var/log/baton-dockerd.log; exit 1; }
fi

if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
fi

image=localhost/baton-busybox:1
src=adapter-swarm/src/test/docker
if ! docker image inspect "$image" >/dev/null 2>&1 \
    || [ "$(docker image inspect -f '{{index .Config.Labels "baton.dev/source"}}' "$image")" != "$(cat "$src"/* | sha256sum | cut -c1-12)" ]; then
  ctx=$(mktemp -d)
  cp /bin/busybox "$ctx/busybox"
  gcc -static -O2 -o "$ctx/serve" "$src/serve.c"
  cp "$src/Dockerfile" "$ctx/Dockerfile"
  echo "LABEL baton.dev/source=$(cat "$src"/* | sha256sum | cut -c1-12)" >>"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$image" "$ctx" >/dev/null 2>&1
  rm -rf "$ctx"
fi
echo "docker $(docker version --format '{{.Server.Version}}') (API $(docker version --format '{{.Server.APIVersion}}')) in swarm mode, image $image ready"
