#!/usr/bin/env bash
# incus-rig.sh — a real, throw-away Incus daemon for the end-to-end tests.
#
# The e2e crate (tests/) runs real `incus` commands against this rig:
# `e2e::rig::require()` calls `scripts/incus-rig.sh status` and skips the
# test loudly when the rig is down (or fails when $CI is set). CI runs
#
#     scripts/incus-rig.sh setup && cargo test -p e2e; scripts/incus-rig.sh teardown
#
# Designed for a root Debian bookworm box without systemd and without an image
# server: incusd is started by hand, the storage pool is a `dir` pool, there is
# no network, and the only image is a tiny busybox container built locally.
#
#   setup     install incus (bookworm-backports) if missing, start incusd,
#             preseed pool + profile, import the busybox image. Idempotent.
#   teardown  delete test projects and instances, stop incusd. Idempotent;
#             packages, the pool and the image stay for a fast next setup.
#   status    print "ready" and exit 0 when the daemon answers and the image
#             exists; exit 1 otherwise.
#
# Two more modes run daemons of their own beside the default one (their own
# state folder, unix socket and loopback address; the default daemon is never
# touched), each reached through an `incus remote` of root's client config:
#
#   remote [setup|teardown|status]
#             one standalone daemon on https://$RIG_REMOTE_ADDR (default
#             127.0.0.1:8444), this client trusted by a token, registered as
#             remote $RIG_REMOTE (default rig-remote).
#   cluster [setup|teardown|status]
#             a real Incus cluster of $RIG_CLUSTER_MEMBERS (default 3) members
#             rig1, rig2, … on 127.0.0.2:8443, 127.0.0.3:8443, …, joined with
#             join tokens, each with its `dir` pool; the busybox image in the
#             cluster; registered as remote $RIG_CLUSTER (default rig-cluster).
#             `cluster stop rigN` ends one member's daemon as a crash would
#             (its containers keep running); `cluster` brings it back.
#
# A mode's teardown deletes its daemons' state folders and its remote, so the
# host is left as it was found (packages aside).
#
# Environment: RIG_IMAGE_ALIAS (default rig-busybox), RIG_LOG (incusd log,
# default /var/log/incusd-rig.log), and the RIG_REMOTE* / RIG_CLUSTER* names
# above.
set -euo pipefail

ALIAS="${RIG_IMAGE_ALIAS:-rig-busybox}"
LOG="${RIG_LOG:-/var/log/incusd-rig.log}"
PIDFILE=/run/incusd-rig.pid
INCUSD=/usr/libexec/incus/incusd
tmp=""
# incusd fetches instance types from images.linuxcontainers.org at start;
# a proxy on a closed loopback port keeps that off the network (Incus never
# proxies loopback addresses, so cluster traffic is unaffected).
OFFLINE=(env HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9)

say() { printf 'incus-rig: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

daemon_up() { timeout 10 incus query /1.0 >/dev/null 2>&1; }
image_present() { timeout 10 incus image info "$ALIAS" >/dev/null 2>&1; }

install_packages() {
    # The image needs a *static* busybox; a running daemon may be any incus.
    if { daemon_up || [ -x "$INCUSD" ]; } \
        && dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q ' installed'; then
        return
    fi
    local f files=()
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    if ! grep -qs bookworm-backports "${files[@]}"; then
        # Reuse the Debian mirror the machine already uses (one-line or deb822).
        local mirror
        mirror=$(grep -hE '^(deb|URIs:)[[:space:]]' "${files[@]}" \
            | grep -oE '[a-z]+://[^[:space:]]+/debian/?([[:space:]]|$)' | head -n1 | tr -d '[:space:]') \
            || die "no Debian mirror found in /etc/apt sources"
        say "adding bookworm-backports from $mirror"
        echo "deb $mirror bookworm-backports main" >/etc/apt/sources.list.d/bookworm-backports.list
    fi
    apt-get update -o DPkg::Lock::Timeout=120 >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -t bookworm-backports \
        --no-install-recommends -o DPkg::Lock::Timeout=120 \
        incus-base dnsmasq-base busybox-static
}

ensure_idmap() {
    # Unprivileged containers map root to this range.
    local f
    for f in /etc/subuid /etc/subgid; do
        grep -qs '^root:' "$f" || echo 'root:1000000:1000000000' >>"$f"
    done
}

start_daemon() {
    daemon_up && return
    mkdir -p /var/lib/incus /var/log/incus
    say "starting incusd (log: $LOG)"
    # From /: the daemon outlives the checkout that started it, and the
    # rsync it runs for every dir-pool snapshot fails once its working
    # folder is gone ("getcwd(): No such file or directory").
    (cd / && PATH="/usr/libexec/incus:$PATH" exec "${OFFLINE[@]}" setsid "$INCUSD" --group incus-admin \
        >>"$LOG" 2>&1 </dev/null) &
    echo $! >"$PIDFILE"
    incus admin waitready --timeout=60 >/dev/null || { tail -n 20 "$LOG" >&2; die "incusd did not start"; }
}

# Every daemon of the rig has the same storage: a dir pool named default,
# and the default profile's root disk on it (no network).
pool_and_profile() {
    cat <<'EOF'
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root:
      type: disk
      path: /
      pool: default
EOF
}

preseed() {
    if ! incus storage show default >/dev/null 2>&1; then
        say "creating dir pool 'default' and the default profile (no network)"
        pool_and_profile | incus admin init --preseed
    fi
    # Self-heal: a stray `incus project delete --force` can empty it.
    incus profile device get default root pool >/dev/null 2>&1 \
        || incus profile device add default root disk path=/ pool=default >/dev/null
}

import_image() {
    image_present && return
    say "building busybox image '$ALIAS'"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    local root="$tmp/rootfs"
    mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,root,etc,var}
    cp /bin/busybox "$root/bin/busybox"
    local applet
    for applet in $(/bin/busybox --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
    # PID 1: idle forever, exit cleanly on the stop signals Incus sends.
    cat >"$root/sbin/init" <<'EOF'
#!/bin/sh
trap 'exit 0' TERM INT PWR
while :; do sleep 3600 & wait $!; done
EOF
    chmod 755 "$root/sbin/init"
    echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
    echo 'root:x:0:' >"$root/etc/group"
    cat >"$tmp/metadata.yaml" <<EOF
architecture: $(uname -m)
creation_date: $(date +%s)
properties:
  os: busybox
  release: rig
  description: busybox rig image for anklume e2e tests
EOF
    tar -C "$tmp" -czf "$tmp/image.tar.gz" metadata.yaml rootfs
    incus image import "$tmp/image.tar.gz" --alias "$ALIAS" >/dev/null
}

cmd_setup() {
    local start=$SECONDS
    install_packages
    ensure_idmap
    start_daemon
    preseed
    import_image
    say "ready: incus $(incus version | awk '/Server/ {print $3}'), pool 'default' (dir), image '$ALIAS' — $((SECONDS - start))s"
}

cmd_teardown() {
    if ! daemon_up; then
        say "incusd not running, nothing to tear down"
        rm -f "$PIDFILE"
        return
    fi
    local project name
    incus list --all-projects -f csv -c e,n | while IFS=, read -r project name; do
        say "deleting instance $name (project $project)"
        incus delete --force --project "$project" "$name"
    done
    for project in $(incus project list -f csv -c n | sed 's/ (current)$//'); do
        [ "$project" = default ] && continue
        say "deleting project $project"
        # Only --force projects with their own profiles: on a project with
        # features.profiles=false, Incus 6.0 force-delete empties the *global*
        # default profile (lxc/incus#2416).
        if [ "$(incus project get "$project" features.profiles)" = true ]; then
            echo yes | incus project delete --force "$project" >/dev/null
        else
            incus project delete "$project" >/dev/null || say "warning: could not delete project $project"
        fi
    done
    say "stopping incusd"
    timeout 60 incus admin shutdown >/dev/null 2>&1 || true
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = incusd ]; then
        kill "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
}

cmd_status() {
    if command -v incus >/dev/null && daemon_up && image_present; then
        echo ready
    else
        echo "not ready"
        return 1
    fi
}

# ── Daemons of their own: the remote and cluster modes ──────────────────────

REMOTE="${RIG_REMOTE:-rig-remote}"
REMOTE_ADDR="${RIG_REMOTE_ADDR:-127.0.0.1:8444}"
REMOTE_DIR=/var/lib/incus-rig-remote
CLUSTER="${RIG_CLUSTER:-rig-cluster}"
CLUSTER_DIR=/var/lib/incus-rig-cluster
MEMBERS="${RIG_CLUSTER_MEMBERS:-3}"
CLIENT_CONF="${INCUS_CONF:-$HOME/.config/incus}"
# Written when a mode generated this client's key pair, so that the last
# teardown removes it again.
CLIENT_MARK=/var/lib/incus-rig-client-cert

member_dir() { echo "$CLUSTER_DIR/rig$1"; }
member_addr() { echo "127.0.0.$(($1 + 1)):8443"; }

# Launch incusd with state folder $1 (its own unix socket and logs inside)
# unless it runs already; does not wait for it.
launch_daemon_in() {
    local dir=$1 pid
    INCUS_DIR="$dir" daemon_up && return
    pid=$(cat "$dir/rig.pid" 2>/dev/null || true)
    [ -n "$pid" ] && alive "$pid" && return
    mkdir -p "$dir"
    chmod 711 "$dir"
    (cd / && INCUS_DIR="$dir" PATH="/usr/libexec/incus:$PATH" exec "${OFFLINE[@]}" setsid "$INCUSD" \
        --group incus-admin >>"$dir/rig.log" 2>&1 </dev/null) &
    echo $! >"$dir/rig.pid"
}

# Start incusd with state folder $1 and wait until it is ready.
start_daemon_in() {
    local dir=$1
    launch_daemon_in "$dir"
    INCUS_DIR="$dir" incus admin waitready --timeout=60 >/dev/null \
        || { tail -n 20 "$dir/rig.log" >&2; die "incusd in $dir did not start"; }
}

# A zombie counts as gone: nobody may be left to reap it.
alive() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)
    [ -n "$state" ] && [ "$state" != Z ]
}

# Stop the daemon of state folder $1 and delete the folder (and what the
# daemon left mounted in it).
destroy_daemon_in() {
    local dir=$1 pid m
    [ -d "$dir" ] || return 0
    pid=$(cat "$dir/rig.pid" 2>/dev/null || true)
    if INCUS_DIR="$dir" daemon_up; then
        INCUS_DIR="$dir" timeout 60 incus admin shutdown >/dev/null 2>&1 || true
    fi
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = incusd ]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
        alive "$pid" && kill -9 "$pid" 2>/dev/null
    fi
    # Deepest first, lazily: a straggler must not keep the folder.
    awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r \
        | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$dir"
}

# Delete every instance and every project but default of the daemon that
# plain `incus` reaches (INCUS_DIR set by the caller).
wipe_instances() {
    local project name
    incus list --all-projects -f csv -c e,n | while IFS=, read -r project name; do
        incus delete --force --project "$project" "$name" >/dev/null || true
    done
    for project in $(incus project list -f csv -c n | sed 's/ (current)$//'); do
        [ "$project" = default ] && continue
        if [ "$(incus project get "$project" features.profiles)" = true ]; then
            echo yes | incus project delete --force "$project" >/dev/null || true
        else
            incus project delete "$project" >/dev/null || true
        fi
    done
}

remote_trusted() { timeout 10 incus query "$1:/1.0" 2>/dev/null | grep -q '"auth": "trusted"'; }

# Register remote $1 at https://$2, trusted by a token from the daemon of
# state folder $3 (a fresh one each time: tokens are single-use).
register_remote() {
    local name=$1 addr=$2 dir=$3 token
    remote_trusted "$name" && return
    incus remote remove "$name" >/dev/null 2>&1 || true
    [ -e "$CLIENT_CONF/client.crt" ] || touch "$CLIENT_MARK"
    token=$(INCUS_DIR="$dir" incus config trust add "rig-client-$(hostname)" --quiet)
    incus remote add "$name" "https://$addr" --token "$token" --accept-certificate >/dev/null
    remote_trusted "$name" || die "remote $name added but not trusted"
}

unregister_remote() {
    incus remote remove "$1" >/dev/null 2>&1 || true
    # The key pair goes with the last rig remote, when a rig mode made it.
    if [ -e "$CLIENT_MARK" ] && ! incus remote list -f csv -c n | grep -qE "^($REMOTE|$CLUSTER)( |,|$)"; then
        rm -f "$CLIENT_CONF/client.crt" "$CLIENT_CONF/client.key" "$CLIENT_MARK"
        rmdir "$CLIENT_CONF/servercerts" 2>/dev/null || true
    fi
}

# The preseed of a fresh daemon: HTTPS on $1 and the rig's storage;
# `cluster: …` lines appended by the caller.
preseed_standalone() {
    printf 'config:\n  core.https_address: %s\n  images.auto_update_interval: 0\n' "$1"
    pool_and_profile
}

remote_setup() {
    local start=$SECONDS
    install_packages
    ensure_idmap
    start_daemon_in "$REMOTE_DIR"
    if ! INCUS_DIR="$REMOTE_DIR" incus storage show default >/dev/null 2>&1; then
        preseed_standalone "$REMOTE_ADDR" | INCUS_DIR="$REMOTE_DIR" incus admin init --preseed
    fi
    INCUS_DIR="$REMOTE_DIR" import_image
    register_remote "$REMOTE" "$REMOTE_ADDR" "$REMOTE_DIR"
    say "ready: remote '$REMOTE' at https://$REMOTE_ADDR (state $REMOTE_DIR) — $((SECONDS - start))s"
}

remote_teardown() {
    if INCUS_DIR="$REMOTE_DIR" daemon_up; then
        INCUS_DIR="$REMOTE_DIR" wipe_instances
    fi
    destroy_daemon_in "$REMOTE_DIR"
    unregister_remote "$REMOTE"
    say "remote '$REMOTE' torn down"
}

remote_status() {
    if command -v incus >/dev/null && remote_trusted "$REMOTE" \
        && timeout 10 incus image info "$REMOTE:$ALIAS" >/dev/null 2>&1; then
        echo ready
    else
        echo "not ready"
        return 1
    fi
}

cluster_online() {
    local n
    n=$(INCUS_DIR="$(member_dir 1)" timeout 20 incus cluster list -f csv -c n,s 2>/dev/null \
        | grep -c ',ONLINE$' || true)
    [ "$n" -ge "$MEMBERS" ]
}

# Does every member answer a request forwarded by rig1? A member back from
# a stop says "Server isn't ready yet" for several seconds after its own
# socket answers, and is seen online only at the next heartbeat.
members_answer() {
    local i
    for i in $(seq "$MEMBERS"); do
        INCUS_DIR="$(member_dir 1)" timeout 10 incus query "/1.0?target=rig$i" >/dev/null 2>&1 \
            || return 1
    done
}

wait_online() {
    for _ in $(seq 120); do
        cluster_online && members_answer && return
        sleep 0.5
    done
    return 1
}

# Stop member $1 (rig2, …) as a crash would: its daemon ends, its running
# containers stay up; `cluster setup` starts it again.
cluster_stop() {
    local name=${1:-} pid dir
    case "$name" in rig[1-9]) ;; *) die "usage: $0 cluster stop rigN" ;; esac
    dir="$CLUSTER_DIR/$name"
    pid=$(cat "$dir/rig.pid" 2>/dev/null || true)
    if [ -z "$pid" ] || ! alive "$pid"; then die "member $name is not running"; fi
    kill "$pid"
    for _ in $(seq 300); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -9 "$pid"
    say "member $name stopped"
}

cluster_setup() {
    local start=$SECONDS i dir token
    case "$MEMBERS" in [1-9]) ;; *) die "RIG_CLUSTER_MEMBERS must be 1 to 9" ;; esac
    install_packages
    ensure_idmap
    # Members that already belong to the cluster wait for each other's
    # database at start-up (after a reboot or a killed session none runs):
    # launch them all before waiting for any.
    for i in $(seq "$MEMBERS"); do
        if [ -d "$(member_dir "$i")/database" ]; then launch_daemon_in "$(member_dir "$i")"; fi
    done
    dir=$(member_dir 1)
    start_daemon_in "$dir"
    if ! INCUS_DIR="$dir" incus cluster list >/dev/null 2>&1; then
        say "bootstrapping cluster member rig1 at $(member_addr 1)"
        {
            preseed_standalone "$(member_addr 1)"
            printf 'cluster:\n  server_name: rig1\n  enabled: true\n'
        } | INCUS_DIR="$dir" incus admin init --preseed
    fi
    for i in $(seq 2 "$MEMBERS"); do
        dir=$(member_dir "$i")
        start_daemon_in "$dir"
        INCUS_DIR="$dir" incus cluster list >/dev/null 2>&1 && continue
        say "joining cluster member rig$i at $(member_addr "$i")"
        token=$(INCUS_DIR="$(member_dir 1)" incus cluster add "rig$i" --quiet)
        INCUS_DIR="$dir" incus admin init --preseed <<EOF
cluster:
  enabled: true
  server_name: rig$i
  server_address: $(member_addr "$i")
  cluster_token: $token
  member_config:
  - entity: storage-pool
    name: default
    key: source
    value: ""
EOF
    done
    INCUS_DIR="$(member_dir 1)" import_image
    register_remote "$CLUSTER" "$(member_addr 1)" "$(member_dir 1)"
    wait_online || die "not every member is online: $(incus cluster list "$CLUSTER:" -f csv -c n,s | tr '\n' ' ')"
    say "ready: cluster '$CLUSTER' of $MEMBERS members ($(incus cluster list "$CLUSTER:" -f csv -c n,u | tr '\n' ' ')) — $((SECONDS - start))s"
}

cluster_teardown() {
    local i
    # A stopped member's containers would outlive its folder: bring every
    # member back first, so that its instances can be deleted.
    for i in $(seq "$MEMBERS"); do
        if [ -d "$(member_dir "$i")" ]; then (start_daemon_in "$(member_dir "$i")") || true; fi
    done
    if INCUS_DIR="$(member_dir 1)" daemon_up; then
        INCUS_DIR="$(member_dir 1)" wipe_instances
    fi
    # Every member at once: a member shutting down waits for the others.
    for i in $(seq "$MEMBERS" -1 1); do
        destroy_daemon_in "$(member_dir "$i")" &
    done
    wait
    rmdir "$CLUSTER_DIR" 2>/dev/null || true
    unregister_remote "$CLUSTER"
    say "cluster '$CLUSTER' torn down"
}

cluster_status() {
    if command -v incus >/dev/null && remote_trusted "$CLUSTER" && cluster_online \
        && timeout 10 incus image info "$CLUSTER:$ALIAS" >/dev/null 2>&1; then
        echo ready
    else
        echo "not ready"
        return 1
    fi
}

mode() {
    local name=$1 action=${2:-setup}
    case "$name $action" in
    *" setup" | *" teardown" | *" status") "${name}_$action" ;;
    "cluster stop") cluster_stop "${3:-}" ;;
    *) echo "usage: $0 $name [setup|teardown|status]" >&2; exit 2 ;;
    esac
}

case "${1:-}" in
setup) cmd_setup ;;
teardown) cmd_teardown ;;
status) cmd_status ;;
remote | cluster) mode "$@" ;;
*) echo "usage: $0 setup|teardown|status | remote|cluster [setup|teardown|status]" >&2; exit 2 ;;
esac
