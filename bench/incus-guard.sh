#!/usr/bin/env bash
# bench/incus-guard.sh — how fast incus-guard's watcher removes a conflicting
# bridge, and what it costs while nothing happens.
#
# Everything runs inside a network namespace this script creates (and
# deletes on exit); the machine's own interfaces are never touched.
#
# For each watcher mode:
#   latency  TRIALS times: add bridge net-bN (up), give it an address in the host's
#            /24, wait until the watcher has deleted it. Measured from the
#            kernel's own events (`ip -ts monitor` in the namespace): from the
#            RTM_NEWADDR to the RTM_DELADDR (address gone) and to the
#            RTM_DELLINK (bridge gone). p50/p99/max in milliseconds.
#   idle     CPU time the watcher uses over IDLE_SECS with no events, from
#            /proc/<pid>/stat (utime+stime, plus children for the script).
#
# Modes: `netlink` (incus-guard watch, the default), `ip-poll` (incus-guard
# watch with INCUS_GUARD_BACKEND=ip: the fallback, 100 ms `ip -json` polls),
# and `script` — the upstream script's own 100 ms watcher loop, cut out of
# the file named by UPSTREAM_GUARD (a local checkout; never fetched).
#
# Usage (root):
#   bench/incus-guard.sh
#   TRIALS=200 IDLE_SECS=60 MODES="netlink ip-poll script" \
#     UPSTREAM_GUARD=/path/to/anklume/scripts/incus-guard.sh bench/incus-guard.sh
#   BIN=target/debug/incus-guard bench/incus-guard.sh   # default: target/release, built if missing
#   SAVE_DIR=/tmp/igbench bench/incus-guard.sh           # keep the raw latencies and monitor logs
set -euo pipefail

TRIALS=${TRIALS:-200}
# Pause between trials, so that one trial does not start while the kernel
# is still tearing the previous bridge down (that holds the global RTNL lock).
GAP=${GAP:-0.05}
IDLE_SECS=${IDLE_SECS:-60}
UPSTREAM_GUARD=${UPSTREAM_GUARD:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/incus-guard}
if [[ -z "${MODES:-}" ]]; then
    MODES="netlink ip-poll"
    [[ -n "$UPSTREAM_GUARD" ]] && MODES="$MODES script"
fi

die() { echo "ERROR: $*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "run as root (it creates a network namespace)"
command -v ip >/dev/null || die "iproute2 (ip) is required"
if [[ ! -x "$BIN" ]]; then
    echo "Building $BIN ..." >&2
    (cd "$ROOT" && cargo build --release --quiet -p incus-guard)
fi
[[ -x "$BIN" ]] || die "no binary at $BIN"

NS_HOST="igbench$$-h"
NS_GW="igbench$$-g"
WORK=$(mktemp -d)
PIDS=()

cleanup() {
    local pid
    if [[ -n "${SAVE_DIR:-}" ]]; then
        mkdir -p "$SAVE_DIR"
        cp "$WORK"/*.lat "$WORK"/*.mon "$SAVE_DIR"/ 2>/dev/null || true
    fi
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    ip netns del "$NS_HOST" 2>/dev/null || true
    ip netns del "$NS_GW" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# ── The namespaces: host 192.168.77.2/24, gateway .1 on the other side ──
ip netns add "$NS_HOST"
ip netns add "$NS_GW"
ip -n "$NS_HOST" link add veth0 type veth peer name veth1 netns "$NS_GW"
ip -n "$NS_HOST" addr add 192.168.77.2/24 dev veth0
ip -n "$NS_GW" addr add 192.168.77.1/24 dev veth1
ip -n "$NS_HOST" link set veth0 up
ip -n "$NS_GW" link set veth1 up
ip -n "$NS_HOST" link set lo up
ip -n "$NS_HOST" route add default via 192.168.77.1

export INCUS_GUARD_LOG="$WORK/guard.log" INCUS_GUARD_STATE="$WORK/state"
CLK_TCK=$(getconf CLK_TCK)
OBSERVER=()
if command -v chrt >/dev/null && chrt -f 50 true 2>/dev/null; then
    OBSERVER=(chrt -f 50)
else
    echo "WARNING: chrt -f unavailable: monitor timestamps may lag on a busy machine" >&2
fi
# WATCH_PRIO="nice -n -10" (or "chrt -f 10") runs the watcher with a higher
# priority, to see how much of the tail is CPU contention.
read -r -a WATCH_PRIO <<<"${WATCH_PRIO:-}"

# CPU ticks used by PID and its reaped children.
cpu_ticks() {
    # Field 2 (comm) has no spaces for bash or incus-guard.
    awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"
}

# Start the watcher for mode $1 in the namespace; its pid goes to WPID.
WPID=
start_watcher() {
    local mode=$1 out="$WORK/$1.out"
    case "$mode" in
        netlink)
            "${WATCH_PRIO[@]}" ip netns exec "$NS_HOST" "$BIN" watch >"$out" 2>&1 &
            ;;
        ip-poll)
            INCUS_GUARD_BACKEND=ip "${WATCH_PRIO[@]}" ip netns exec "$NS_HOST" "$BIN" watch >"$out" 2>&1 &
            ;;
        script)
            [[ -r "$UPSTREAM_GUARD" ]] || die "UPSTREAM_GUARD=$UPSTREAM_GUARD is not readable"
            # The script's watcher is the subshell loop in cmd_start: from
            # `while $watcher_running` to its `done` (8 spaces in).
            {
                echo 'HOST_PREFIX=192.168.77'
                echo 'watcher_running=true'
                # shellcheck disable=SC2016 # a literal $ in the pattern
                sed -n '/while \$watcher_running/,/^        done$/p' "$UPSTREAM_GUARD"
            } >"$WORK/script-watcher.sh"
            grep -q 'sleep 0.1' "$WORK/script-watcher.sh" \
                || die "cannot find the watcher loop in $UPSTREAM_GUARD"
            "${WATCH_PRIO[@]}" ip netns exec "$NS_HOST" bash "$WORK/script-watcher.sh" >"$out" 2>&1 &
            ;;
        *) die "unknown mode $mode" ;;
    esac
    WPID=$!
}

wait_ready() {
    local mode=$1 i
    if [[ "$mode" == script ]]; then
        sleep 0.5
        return
    fi
    for i in $(seq 100); do
        grep -q '^Watching' "$WORK/$mode.out" && return
        sleep 0.05
    done
    die "watcher ($mode) did not start: $(cat "$WORK/$mode.out")"
}

# Per-bridge latencies (ms) from an `ip -ts monitor` log:
# "<to address gone> <to link gone> <kernel teardown>" per line, the last
# being the time the kernel took from the address going to the link going.
latencies() {
    awk '
    function t(s) { s = substr(s, 13, 15); split(s, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
    /^\[/ {
        ts = t($1)
        if ($2 != "Deleted" && $4 == "inet" && !($3 in start)) start[$3] = ts
        else if ($2 == "Deleted" && $5 == "inet" && !($4 in addr)) addr[$4] = ts
        else if ($2 == "Deleted" && $4 ~ /:$/) link[substr($4, 1, length($4) - 1)] = ts
    }
    END {
        for (n in start) if (n in link) {
            a = (n in addr) ? addr[n] : link[n]
            d1 = a - start[n]; d2 = link[n] - start[n]
            if (d1 < 0) d1 += 86400
            if (d2 < 0) d2 += 86400
            printf "%.3f %.3f %.3f\n", d1 * 1000, d2 * 1000, (d2 - d1) * 1000
        }
    }' "$1"
}

# p50 p99 max of column $2 of file $1.
percentiles() {
    sort -n -k"$2","$2" "$1" | awk -v c="$2" '
    { v[NR] = $c }
    END {
        if (NR == 0) { print "- - -"; exit }
        i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999)
        printf "%.2f %.2f %.2f\n", v[i50], v[i99], v[NR]
    }'
}

RESULTS="$WORK/results"
: >"$RESULTS"

bench_mode() {
    local mode=$1 pid mon i name lost=0 t0 t1 cpu
    start_watcher "$mode"
    pid=$WPID
    PIDS+=("$pid")
    wait_ready "$mode"

    # The observer runs real-time so that its timestamps are taken when the
    # kernel sends each event, however loaded the machine is.
    "${OBSERVER[@]}" ip -n "$NS_HOST" -ts monitor link address >"$WORK/$mode.mon" 2>/dev/null &
    mon=$!
    PIDS+=("$mon")
    sleep 0.3

    echo "[$mode] $TRIALS trials..." >&2
    for i in $(seq "$TRIALS"); do
        name="net-b$i"
        # Up first, like an Incus bridge; the address is the trigger.
        ip -n "$NS_HOST" link add "$name" type bridge
        ip -n "$NS_HOST" link set "$name" up
        ip -n "$NS_HOST" addr add 192.168.77.50/24 dev "$name" 2>/dev/null || true
        for _ in $(seq 1000); do
            if ! ip -n "$NS_HOST" link show "$name" >/dev/null 2>&1; then
                sleep "$GAP"
                continue 2
            fi
            sleep 0.005
        done
        lost=$((lost + 1))
        ip -n "$NS_HOST" link del "$name" 2>/dev/null || true
    done
    sleep 0.3
    kill "$mon" 2>/dev/null || true
    wait "$mon" 2>/dev/null || true

    latencies "$WORK/$mode.mon" >"$WORK/$mode.lat"
    read -r a50 a99 amax < <(percentiles "$WORK/$mode.lat" 1)
    read -r l50 l99 lmax < <(percentiles "$WORK/$mode.lat" 2)
    read -r k50 _ _ < <(percentiles "$WORK/$mode.lat" 3)

    echo "[$mode] idle for ${IDLE_SECS}s..." >&2
    t0=$(cpu_ticks "$pid")
    sleep "$IDLE_SECS"
    t1=$(cpu_ticks "$pid")
    cpu=$(awk -v d="$((t1 - t0))" -v hz="$CLK_TCK" -v s="$IDLE_SECS" \
        'BEGIN { printf "%.2f s (%.2f%% of a core)", d / hz, 100 * d / hz / s }')

    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    printf '%-8s %6s %6s  %8s %8s %8s  %8s %8s %8s  %8s  %s\n' "$mode" \
        "$(wc -l <"$WORK/$mode.lat")" "$lost" "$a50" "$a99" "$amax" "$l50" "$l99" "$lmax" "$k50" "$cpu" >>"$RESULTS"
}

for mode in $MODES; do
    bench_mode "$mode"
done

echo
echo "incus-guard watcher: conflicting bridge → removed ($TRIALS trials, idle ${IDLE_SECS}s)"
echo "kernel: $(uname -r), cpus: $(nproc)"
printf '%-8s %6s %6s  %8s %8s %8s  %8s %8s %8s  %8s  %s\n' mode "done" missed \
    "addr p50" "addr p99" "addr max" "link p50" "link p99" "link max" "kern p50" "idle CPU"
printf '%-8s %6s %6s  %8s %8s %8s  %8s %8s %8s  %8s\n' "" "" "" ms ms ms ms ms ms ms
cat "$RESULTS"
echo
echo "addr = until the conflicting address is gone (RTM_DELADDR); link = until the bridge is gone (RTM_DELLINK);"
echo "kern = the kernel's own share of link: from the address going to the bridge going (RCU grace periods)."
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ " $MODES " != *" script "* ]]; then
    echo "The script polls every 100 ms with ~6 process spawns per bridge: expect ~50 ms median, >100 ms p99."
    echo "Set UPSTREAM_GUARD=/path/to/anklume/scripts/incus-guard.sh to measure it."
fi
