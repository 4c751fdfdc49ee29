#!/usr/bin/env bash
# bench/adopt-shim.sh — what the shims of `make adopt` cost: `python3
# scripts/generate.py …` (Python start-up, then exec of our binary) next to
# the binary alone, Python's bare start-up, and the saved original script.
# Same for code-audit, and for a shell shim (`bash scripts/snap.sh`).
#
# Prints CPU time (user + sys) and wall time per run. CPU time is the
# figure to read on a busy machine: wall time includes waiting for a core.
#
# Environment:
#   ANKLUME   an adopted anklume checkout (make adopt ANKLUME=…), required
#   PY        the interpreter the checkout's Makefile would run (default python3;
#             the original generate.py needs PyYAML)
#   INFRA     infra file for generate (default: examples/homelab/infra.yml)
#   RUNS      runs per command (default 30)

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CO="${ANKLUME:?ANKLUME=<adopted anklume checkout> is required}"
PY="${PY:-python3}"
INFRA="${INFRA:-$ROOT/examples/homelab/infra.yml}"
RUNS="${RUNS:-30}"
[[ -d "$CO/.anklume-rs/bin" ]] || { echo "ERROR: $CO is not adopted; run make adopt ANKLUME=$CO first" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/out" "$WORK/context"
export ANKLUME_SKIP_HOST_SUBNET_CHECK=1 ANKLUME_HOST_RESOURCES=none ANKLUME_CONTEXT_DIR="$WORK/context"

TIMEFORMAT='%R %U %S'
measure() {
    local r
    r=$( { time (for ((i = 0; i < RUNS; i++)); do "$@" >/dev/null 2>&1; done); } 2>&1)
    awk -v n="$RUNS" -v r="$r" -v c="$*" 'BEGIN { split(r, a, " ");
        printf "  cpu %6.1f ms   wall %6.1f ms   %s\n", (a[2] + a[3]) * 1000 / n, a[1] * 1000 / n, c }'
}

cd "$CO"
# A first run writes the tree; the timed ones are no-change re-runs.
.anklume-rs/bin/generate "$INFRA" --base-dir "$WORK/out" >/dev/null
echo "generate ($INFRA, no-change re-run), $RUNS runs each:"
measure "$PY" -c pass
measure .anklume-rs/bin/generate "$INFRA" --base-dir "$WORK/out"
measure "$PY" scripts/generate.py "$INFRA" --base-dir "$WORK/out"
if "$PY" -c 'import yaml' 2>/dev/null; then
    measure "$PY" .anklume-rs/orig/generate.py "$INFRA" --base-dir "$WORK/out"
fi
echo "code-audit (this checkout, --no-dead-code):"
measure .anklume-rs/bin/code-audit --no-dead-code
measure "$PY" scripts/code-audit.py --no-dead-code
echo "snap --help (shell shim):"
measure .anklume-rs/bin/snap --help
measure bash scripts/snap.sh --help
