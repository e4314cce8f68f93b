#!/usr/bin/env bash
# A three-node Docker swarm on this one machine, for tests that need more than one node (placement, spread, overlay
# traffic between nodes). Usage: bash .ci/swarm-multinode.sh start|stop|status|check. Runs as root.
#
# Topology (nothing is routed off the machine, no NAT; no iptables rules in the root or node namespaces, Docker only
# adds its embedded-DNS rules inside each task's own namespace):
#   bridge baton-br0 10.77.0.1/24 in the root network namespace
#   node netns    address    root-side veth engine API socket         data root               exec root
#   n1   baton-n1 10.77.0.11 baton-n1-h     /run/baton-swarm/n1.sock  /var/lib/baton-swarm/n1 /run/baton-swarm/n1
#   n2   baton-n2 10.77.0.12 baton-n2-h     /run/baton-swarm/n2.sock  /var/lib/baton-swarm/n2 /run/baton-swarm/n2
#   n3   baton-n3 10.77.0.13 baton-n3-h     /run/baton-swarm/n3.sock  /var/lib/baton-swarm/n3 /run/baton-swarm/n3
#   n1 is the manager (swarm init --advertise-addr 10.77.0.11), n2 and n3 are workers; hostnames baton-n1..3, engine
#   label baton.dev/swarm-node=nX. Each dockerd runs in its node's network namespace (and its own UTS namespace, for
#   the hostname) but in the root mount namespace, with its own managed containerd
#   (<exec root>/containerd/containerd.sock, containerd namespace baton-nX), pidfile (/run/baton-swarm/nX.pid), config
#   file, trust key, cgroup parent (/baton-swarm-nX) and log (/var/log/baton-swarm/nX.log, one start's worth). The
#   nodes have no default route: only 10.77.0.0/24 is reachable from them. Overlay networks get subnets from
#   10.78.0.0/16. Swarm ports 2377/tcp, 7946/tcp+udp and 4789/udp (VXLAN) are bound inside the node namespaces, so they
#   never meet the host engine's. The API is on the unix sockets only (no tcp://): every socket is reachable from the
#   root namespace, and a worker's socket serves what a test must ask that node itself (its containers, exec, logs).
# Use it:   DOCKER_HOST=unix:///run/baton-swarm/n1.sock docker node ls
#           from Java, the target swarm://unix/run/baton-swarm/n1.sock; after `start`, .ci/run exports
#           BATON_SWARM_MULTINODE=unix:///run/baton-swarm/n1.sock.
# The test image localhost/baton-busybox:1 is copied from the host engine (docker save | docker load), so run
# .ci/swarm-setup.sh first. The host engine from swarm-setup.sh (/var/run/docker.sock, /var/lib/docker,
# /var/run/docker) and its single-node swarm are never touched: this script only reads that image from it.
#
# start   idempotent: does nothing when the swarm is healthy (but reloads the image if the host's has changed);
#         otherwise tears down whatever is left (say, by a killed session) and builds it anew from empty data roots.
#         6-11 s here.
# stop    stops the engines (their containers with them), kills leftover engines, containerd, shims and task
#         processes by pid, removes killed shims' sockets, unmounts everything under the data and exec roots, removes
#         the data and exec roots, namespaces, veths and the bridge.
# status  prints the manager socket, the three nodes' ids, hostnames, addresses, roles and states, and the memory they
#         use (idle: about 200 MiB PSS, 380 MiB RSS for the three dockerd and containerd); exit 1 if unhealthy.
# check   proves overlay traffic between nodes: a replicated service (3 replicas, at most 1 per node) on an overlay
#         network, each task serving its hostname with busybox httpd; a task on each node fetches from the task on
#         the next node by its overlay address. Removes the service and network afterwards (about 12 s in all).
# Limits found here: the kernel has no IPVS (CONFIG_IP_VS unset; the engines log "Could not get ipvs family
# information from the kernel"), so a service's virtual IP does not answer ("No route to host") and there is no
# routing mesh; reach tasks by their own addresses, tasks.<service> or --endpoint-mode dnsrr (the host engine runs on
# the same kernel). The image's busybox wget crashes with -T (exit 139): use `timeout N wget`. Frames between the
# nodes cross baton-br0 in the root namespace, where bridge-nf-call-iptables is 1: a DROP in the root FORWARD chain
# would cut the nodes off from each other (its policy is ACCEPT, and the host engine runs with --iptables=false).
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=(n1 n2 n3)
BRIDGE=baton-br0
BRIDGE_CIDR=10.77.0.1/24
ADDR_POOL=10.78.0.0/16
RUN=/run/baton-swarm
LIB=/var/lib/baton-swarm
LOG=/var/log/baton-swarm
IMAGE=localhost/baton-busybox:1
HOST_ENGINE=unix:///var/run/docker.sock
MANAGER=n1
declare -A STARTED=()

addr() { echo "10.77.0.1${1#n}"; }
netns() { echo "baton-$1"; }
veth() { echo "baton-$1-h"; }
sock() { echo "$RUN/$1.sock"; }
dk() { local n=$1; shift; docker -H "unix://$(sock "$n")" "$@"; }
log() { echo "swarm-multinode: $*" >&2; }

# ---- network --------------------------------------------------------------------------------------------------------
net_up() {
  ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
  ip addr replace "$BRIDGE_CIDR" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  local n ns
  for n in "${NODES[@]}"; do
    ns=$(netns "$n")
    [ -e "/run/netns/$ns" ] || ip netns add "$ns"
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
      ip link del "$(veth "$n")" >/dev/null 2>&1 || true
      ip link add "$(veth "$n")" type veth peer name eth0 netns "$ns"
    fi
    ip link set "$(veth "$n")" master "$BRIDGE" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr replace "$(addr "$n")/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
}

net_down() {
  local n
  for n in "${NODES[@]}"; do
    ip link del "$(veth "$n")" >/dev/null 2>&1 || true
    if [ -e "/run/netns/$(netns "$n")" ]; then ip netns del "$(netns "$n")" || true; fi
  done
  ip link del "$BRIDGE" >/dev/null 2>&1 || true
}

# ---- engines --------------------------------------------------------------------------------------------------------
engine_pid() { # the pid in the node's pidfile, if it is that node's dockerd
  local f="$RUN/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "--exec-root $RUN/$1 " || return 1
  echo "$pid"
}

engine_up() {
  local n=$1
  if dk "$n" version >/dev/null 2>&1; then return 0; fi
  mkdir -p "$RUN/$n" "$LIB/$n" "$LOG"
  # the trust key (which is the engine's ID) of its own; /etc/docker/daemon.json, if any, is not read
  printf '{"deprecated-key-path": "%s"}\n' "$LIB/$n/key.json" >"$RUN/$n.json"
  # nsenter: the node's network namespace only (ip netns exec would also remount /sys and hide the cgroup mounts);
  # unshare --uts: a hostname of its own, so that the swarm's nodes are told apart by hostname too.
  # containerd: dockerd starts one of its own per exec root (config <exec root>/containerd/containerd.toml) unless
  # /run/containerd/containerd.sock exists; the namespaces keep the engines apart even on such a shared containerd.
  nohup nsenter --net="/run/netns/$(netns "$n")" unshare --uts -- \
    sh -c 'echo "$0" >/proc/sys/kernel/hostname && exec "$@"' "baton-$n" \
    dockerd --host "unix://$(sock "$n")" --data-root "$LIB/$n" --exec-root "$RUN/$n" --pidfile "$RUN/$n.pid" \
      --config-file "$RUN/$n.json" --cgroup-parent "/baton-swarm-$n" \
      --containerd-namespace "baton-$n" --containerd-plugins-namespace "baton-$n-plugins" \
      --bridge=none --iptables=false --ip-masq=false --label "baton.dev/swarm-node=$n" \
      </dev/null >"$LOG/$n.log" 2>&1 &
  STARTED[$n]=$!
}

engine_wait() {
  local n=$1
  for _ in $(seq 1 120); do
    if dk "$n" version >/dev/null 2>&1; then return 0; fi
    if [ -n "${STARTED[$n]:-}" ] && ! kill -0 "${STARTED[$n]}" 2>/dev/null; then break; fi
    sleep 0.5
  done
  log "engine $n did not start; the end of $LOG/$n.log:"
  tail -n 40 "$LOG/$n.log" >&2
  return 1
}

# processes of ours: the engines, their containerd, shims and task processes
our_pids() {
  local p cmd
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    case "$cmd" in
      *"--exec-root $RUN/"* | *"$RUN/n"[123]"/containerd/"*) echo "${p#/proc/}" ;;
    esac
  done
  local c f
  for c in /sys/fs/cgroup/pids/baton-swarm-n[123]; do
    [ -d "$c" ] || continue
    find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null || true
  done
}

engines_down() {
  local n pid pids
  for n in "${NODES[@]}"; do
    if pid=$(engine_pid "$n"); then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for _ in $(seq 1 40); do
    pids=""
    for n in "${NODES[@]}"; do if pid=$(engine_pid "$n"); then pids="$pids $pid"; fi; done
    [ -z "$pids" ] && break
    sleep 0.5
  done
  pids=$(our_pids | sort -u | tr '\n' ' ')
  if [ -n "${pids// /}" ]; then
    log "killing leftover processes: $pids"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  fi
  # the sockets of shims that were killed (a shim removes its own when it exits cleanly): containerd names them
  # /run/containerd/s/sha256(<containerd socket>/<namespace>/<task id>), and the task ids are in its state dir
  local t key
  for t in "$RUN"/n[123]/containerd/daemon/io.containerd.runtime.v2.task/*/*; do
    [ -d "$t" ] || continue
    n=${t#"$RUN"/}; n=${n%%/*}
    key="$RUN/$n/containerd/containerd.sock/$(basename "$(dirname "$t")")/$(basename "$t")"
    rm -f "/run/containerd/s/$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"
  done
  # everything mounted under our roots (container rootfs, netns files, shm, the data roots' own bind mounts)
  local m
  { awk '{print $5}' /proc/self/mountinfo | grep -E "^($LIB|$RUN)(/|\$)" || true; } | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  local c
  for c in /sys/fs/cgroup/*/baton-swarm-n[123]; do
    [ -d "$c" ] || continue
    find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf --one-file-system "$LIB" "$RUN"
}

# ---- swarm ----------------------------------------------------------------------------------------------------------
swarm_up() {
  local m=$MANAGER n token
  if [ "$(dk "$m" info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    dk "$m" swarm init --advertise-addr "$(addr "$m")" --listen-addr "$(addr "$m"):2377" \
      --default-addr-pool "$ADDR_POOL" >/dev/null
  fi
  token=$(dk "$m" swarm join-token -q worker)
  for n in "${NODES[@]}"; do
    [ "$n" = "$m" ] && continue
    if [ "$(dk "$n" info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
      dk "$n" swarm join --token "$token" --advertise-addr "$(addr "$n")" --listen-addr "$(addr "$n"):2377" \
        "$(addr "$m"):2377" >/dev/null
    fi
  done
  for _ in $(seq 1 60); do
    [ "$(dk "$m" node ls --format '{{.Status}}' | grep -c '^Ready$')" = "${#NODES[@]}" ] && return 0
    sleep 0.5
  done
  log "not all nodes became Ready:"; dk "$m" node ls >&2
  return 1
}

images_up() {
  local id n tar=""
  if ! id=$(docker -H "$HOST_ENGINE" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null); then
    log "$IMAGE is not on the host engine ($HOST_ENGINE): run .ci/swarm-setup.sh first"
    return 1
  fi
  for n in "${NODES[@]}"; do
    [ "$(dk "$n" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)" = "$id" ] && continue
    if [ -z "$tar" ]; then tar=$(mktemp); docker -H "$HOST_ENGINE" save -o "$tar" "$IMAGE"; fi
    dk "$n" load -q -i "$tar" >/dev/null
  done
  [ -z "$tar" ] || rm -f "$tar"
}

healthy() { swarm_healthy && images_current; }

swarm_healthy() {
  local n id mgr
  for n in "${NODES[@]}"; do
    [ -S "$(sock "$n")" ] && dk "$n" version >/dev/null 2>&1 || return 1
    [ "$(dk "$n" info --format '{{.Swarm.LocalNodeState}}')" = active ] || return 1
  done
  [ "$(dk "$MANAGER" info --format '{{.Swarm.ControlAvailable}}')" = true ] || return 1
  mgr=$(dk "$MANAGER" node ls --format '{{.ID}} {{.Status}}')
  for n in "${NODES[@]}"; do
    id=$(dk "$n" info --format '{{.Swarm.NodeID}}')
    grep -q "^$id Ready\$" <<<"$mgr" || return 1
  done
}

images_current() {
  local n id
  id=$(docker -H "$HOST_ENGINE" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null) || return 1
  for n in "${NODES[@]}"; do
    [ "$(dk "$n" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)" = "$id" ] || return 1
  done
}

status() {
  echo "manager socket: unix://$(sock "$MANAGER")"
  local n id nodes="" ok=0
  nodes=$(dk "$MANAGER" node ls -q 2>/dev/null | xargs -r docker -H "unix://$(sock "$MANAGER")" node inspect \
    --format '{{.ID}} {{.Description.Hostname}} {{.Status.Addr}} {{.Spec.Role}} {{.Status.State}}' 2>/dev/null) || true
  printf '%-4s %-9s %-11s %-33s %-26s %s\n' NODE NETNS ADDRESS SOCKET "SWARM NODE ID" \
    "HOSTNAME ADDR ROLE STATE (as the manager sees it)"
  for n in "${NODES[@]}"; do
    id=$(dk "$n" info --format '{{.Swarm.NodeID}}' 2>/dev/null) || id="(engine not answering)"
    printf '%-4s %-9s %-11s %-33s %-26s %s\n' "$n" "$(netns "$n")" "$(addr "$n")" "unix://$(sock "$n")" "${id:--}" \
      "$(grep "^$id " <<<"$nodes" | cut -d' ' -f2- || true)"
  done
  our_pids | sort -u | while read -r p; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done | awk '
    /^Rss:/ {r += $2; n++} /^Pss:/ {p += $2}
    END {printf "memory: %d MiB PSS (%d MiB RSS) in %d processes: the engines, their containerd, shims and tasks\n",
         p / 1024, r / 1024, n}'
  if healthy; then echo "healthy"; else echo "unhealthy"; ok=1; fi
  return $ok
}

start() {
  local t0=$SECONDS
  command -v ip >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
  command -v dockerd >/dev/null 2>&1 || { log "no dockerd: run .ci/swarm-setup.sh first"; return 1; }
  if swarm_healthy; then
    log "already running"
    images_up
    status
    return 0
  fi
  log "building the swarm anew"
  engines_down
  net_down
  net_up
  local n
  for n in "${NODES[@]}"; do engine_up "$n"; done
  for n in "${NODES[@]}"; do engine_wait "$n"; done
  swarm_up
  images_up
  healthy || { log "the swarm is not healthy after start"; status; return 1; }
  log "started in $((SECONDS - t0)) s"
  status
}

stop() {
  engines_down
  net_down
  log "stopped"
}

remove_check() { # the check's service and network, and wait till every node has let go of them
  local n left
  dk "$MANAGER" service rm baton-mn-check >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do
    dk "$MANAGER" network rm baton-mn-check >/dev/null 2>&1 || true
    left=""
    for n in "${NODES[@]}"; do
      left="$left$(dk "$n" ps -aq --filter label=com.docker.swarm.service.name=baton-mn-check)"
      left="$left$(dk "$n" network ls -q --filter name='^baton-mn-check$')"
    done
    [ -z "$left" ] && return 0
    sleep 0.5
  done
  log "the check's service or network is still there"; return 1
}

check() {
  local m=$MANAGER net=baton-mn-check svc=baton-mn-check n c ip i next ips=() ctrs=() nodes=() out ok=0
  healthy || { log "the swarm is not healthy; run start"; return 1; }
  remove_check
  dk "$m" network create -d overlay "$net" >/dev/null
  dk "$m" service create -d -q --no-resolve-image --name "$svc" --hostname '{{.Node.Hostname}}-task' \
    --network "$net" --endpoint-mode dnsrr --stop-grace-period 1s \
    --replicas 3 --replicas-max-per-node 1 "$IMAGE" \
    'mkdir -p /www && hostname >/www/index.html && exec httpd -f -p 8080 -h /www' >/dev/null
  for n in "${NODES[@]}"; do
    c=""
    for _ in $(seq 1 60); do
      c=$(dk "$n" ps -q --filter "label=com.docker.swarm.service.name=$svc" --filter status=running | head -n1)
      [ -n "$c" ] && break
      sleep 0.5
    done
    [ -n "$c" ] || { log "no running task on $n"; dk "$m" service ps --no-trunc "$svc" >&2; ok=1; break; }
    ip=$(dk "$n" inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$c")
    echo "task on $n ($(addr "$n")): container ${c:0:12}, overlay address $ip"
    ips+=("$ip"); ctrs+=("$c"); nodes+=("$n")
  done
  if [ $ok = 0 ]; then
    for i in "${!nodes[@]}"; do
      next=$(( (i + 1) % ${#nodes[@]} ))
      if out=$(dk "${nodes[$i]}" exec "${ctrs[$i]}" timeout 5 wget -q -O- "http://${ips[$next]}:8080/" 2>&1); then
        echo "from ${nodes[$i]} ${ips[$i]}: wget http://${ips[$next]}:8080/ -> $out (the task on ${nodes[$next]})"
      else
        echo "from ${nodes[$i]} ${ips[$i]}: wget http://${ips[$next]}:8080/ FAILED: $out"; ok=1
      fi
    done
  fi
  remove_check || ok=1
  [ $ok = 0 ] && echo "overlay between nodes: ok" || echo "overlay between nodes: FAILED"
  return $ok
}

[ "$(id -u)" = 0 ] || { log "run as root"; exit 1; }
case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  check) check ;;
  *) echo "usage: $0 start|stop|status|check" >&2; exit 2 ;;
esac
