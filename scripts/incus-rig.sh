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
# Environment: RIG_IMAGE_ALIAS (default rig-busybox), RIG_LOG (incusd log,
# default /var/log/incusd-rig.log).
set -euo pipefail

ALIAS="${RIG_IMAGE_ALIAS:-rig-busybox}"
LOG="${RIG_LOG:-/var/log/incusd-rig.log}"
PIDFILE=/run/incusd-rig.pid
INCUSD=/usr/libexec/incus/incusd
tmp=""

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
    (cd / && PATH="/usr/libexec/incus:$PATH" exec setsid "$INCUSD" --group incus-admin \
        >>"$LOG" 2>&1 </dev/null) &
    echo $! >"$PIDFILE"
    incus admin waitready --timeout=60 >/dev/null || { tail -n 20 "$LOG" >&2; die "incusd did not start"; }
}

preseed() {
    if ! incus storage show default >/dev/null 2>&1; then
        say "creating dir pool 'default' and the default profile (no network)"
        incus admin init --preseed <<'EOF'
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

case "${1:-}" in
setup) cmd_setup ;;
teardown) cmd_teardown ;;
status) cmd_status ;;
*) echo "usage: $0 setup|teardown|status" >&2; exit 2 ;;
esac
