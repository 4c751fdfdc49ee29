#!/usr/bin/env bash
# bench/generate.sh — generate (Rust) against upstream's scripts/generate.py.
#
# Builds two synthetic infra files (50 domains × 20 machines and 200 × 50),
# then times, for each side: a fresh run into an empty folder, and a re-run
# over its own output (nothing changes). Also counts how many files the
# re-run rewrote (by mtime). Prints mean times and ratios.
#
# Environment:
#   ANKLUME_UPSTREAM_DIR  anklume checkout holding scripts/generate.py (optional)
#   BIN                   binary to time (default target/release/generate)
#   RUNS                  timed runs per command (default 5)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/target/release/generate}"
RUNS="${RUNS:-5}"
UPSTREAM="${ANKLUME_UPSTREAM_DIR:-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export ANKLUME_SKIP_HOST_SUBNET_CHECK=1 ANKLUME_CONTEXT_DIR="$WORK/no-context"

if [[ ! -x "$BIN" ]]; then
    echo "Building $BIN ..." >&2
    (cd "$ROOT" && cargo build --release -p generate >&2)
fi
PY=""
if [[ -n "$UPSTREAM" && -f "$UPSTREAM/scripts/generate.py" ]] && command -v python3 >/dev/null; then
    PY="$UPSTREAM/scripts/generate.py"
else
    echo "NOTE: ANKLUME_UPSTREAM_DIR unset or no python3: timing the binary only." >&2
fi

# An infra file with $1 domains of $2 machines each, spread over trust zones.
make_infra() {
    local domains="$1" machines="$2" out="$3"
    local zones=(admin trusted semi-trusted untrusted disposable)
    {
        printf 'project_name: bench\nglobal:\n  addressing:\n    base_octet: 10\n    zone_base: 100\n'
        printf '  default_os_image: "images:debian/13"\ndomains:\n'
        for ((d = 0; d < domains; d++)); do
            printf '  d%03d:\n    trust_level: %s\n    description: "Domain %d"\n' \
                "$d" "${zones[d % 5]}" "$d"
            printf '    subnet_id: %d\n    machines:\n' "$((d / 5))"
            for ((m = 0; m < machines; m++)); do
                printf '      d%03d-m%02d:\n        type: lxc\n' "$d" "$m"
                printf '        config:\n          limits.cpu: "1"\n        roles: [base_system]\n'
            done
        done
    } >"$out"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Mean wall time in ms of "$@" over RUNS runs, each in a fresh copy of $SEED.
time_runs() {
    local seed="$1"; shift
    local total=0 t0 i
    for ((i = 0; i < RUNS; i++)); do
        rm -rf "$WORK/out" && cp -a "$seed" "$WORK/out"
        t0=$(now_ms)
        "$@" >/dev/null
        total=$((total + $(now_ms) - t0))
    done
    echo $((total / RUNS))
}

# Files whose mtime changed when "$@" re-runs over existing output.
rewritten() {
    rm -rf "$WORK/out" && cp -a "$1" "$WORK/out"; shift
    touch -d '2000-01-01' "$WORK"/out/*/*.yml
    "$@" >/dev/null
    find "$WORK/out" -name '*.yml' -newermt '2000-01-02' | wc -l
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0fx", a / b; else print "n/a" }'; }

mkdir -p "$WORK/empty"
printf '%-10s %-14s %10s %10s %8s %10s\n' size run rust_ms python_ms ratio rewritten
for size in 50x20 200x50; do
    infra="$WORK/infra-$size.yml"
    make_infra "${size%x*}" "${size#*x}" "$infra"
    rust=("$BIN" "$infra" --base-dir "$WORK/out")
    rm -rf "$WORK/out" && "${rust[@]}" >/dev/null && cp -a "$WORK/out" "$WORK/seed-rs"
    r_fresh=$(time_runs "$WORK/empty" "${rust[@]}")
    r_again=$(time_runs "$WORK/seed-rs" "${rust[@]}")
    r_rew=$(rewritten "$WORK/seed-rs" "${rust[@]}")
    p_fresh="-" p_again="-" p_rew="-"
    if [[ -n "$PY" ]]; then
        py=(python3 "$PY" "$infra" --base-dir "$WORK/out")
        rm -rf "$WORK/out" && "${py[@]}" >/dev/null && cp -a "$WORK/out" "$WORK/seed-py"
        p_fresh=$(time_runs "$WORK/empty" "${py[@]}")
        p_again=$(time_runs "$WORK/seed-py" "${py[@]}")
        p_rew=$(rewritten "$WORK/seed-py" "${py[@]}")
        diff -r "$WORK/seed-rs" "$WORK/seed-py" >/dev/null && same=identical || same=DIFFERENT
        echo "  ($size: output trees $same)"
        rm -rf "$WORK/seed-py"
    fi
    printf '%-10s %-14s %10s %10s %8s %10s\n' "$size" fresh "$r_fresh" "$p_fresh" "$(ratio "$p_fresh" "$r_fresh")" "-"
    printf '%-10s %-14s %10s %10s %8s %10s\n' "$size" no-change "$r_again" "$p_again" "$(ratio "$p_again" "$r_again")" "$r_rew vs $p_rew"
    rm -rf "$WORK/seed-rs"
done
