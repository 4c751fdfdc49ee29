#!/usr/bin/env bash
# bench/code-audit.sh — code-audit (Rust) against upstream's scripts/code-audit.py.
#
# Trees: the anklume checkout named by ANKLUME_UPSTREAM_DIR (when set) and a
# synthetic tree of 20 000 files generated here. Dead code is skipped on both
# sides: --no-dead-code for the binary, and for the script a wrapper that
# replaces its run_dead_code() with the same skip. Timing uses hyperfine when
# installed, else a loop over `date +%s%N`. Prints mean times and ratios, and
# checks that both sides report the same line totals.
#
# Environment:
#   ANKLUME_UPSTREAM_DIR  anklume checkout (source of the Python script)
#   BIN                   binary to time (default: target/release/code-audit,
#                         built with cargo when missing)
#   RUNS                  timed runs per command (default 10)
#   FILES                 size of the synthetic tree (default 20000)

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/target/release/code-audit}"
RUNS="${RUNS:-10}"
FILES="${FILES:-20000}"
UPSTREAM="${ANKLUME_UPSTREAM_DIR:-}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ ! -x "$BIN" ]]; then
    echo "Building $BIN ..." >&2
    (cd "$ROOT" && cargo build --release -p code-audit >&2)
fi

PY_SCRIPT=""
if [[ -n "$UPSTREAM" && -f "$UPSTREAM/scripts/code-audit.py" ]] && command -v python3 >/dev/null; then
    PY_SCRIPT="$UPSTREAM/scripts/code-audit.py"
else
    echo "NOTE: ANKLUME_UPSTREAM_DIR unset or no python3: timing the binary only." >&2
fi

# Loads the script as a module and swaps its dead-code step for a skip.
cat >"$WORK/wrapper.py" <<'EOF'
import importlib.util, sys
script = sys.argv[1]
spec = importlib.util.spec_from_file_location("code_audit", script)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.run_dead_code = lambda d: {"status": "skipped", "reason": "disabled with --no-dead-code"}
sys.argv = [script] + sys.argv[2:]
module.main()
EOF

# ── Synthetic tree ───────────────────────────────────────
# Shares: scripts 10% .py + 5% .sh, tests 10%, top-level YAML 1%, the rest
# roles (yml and j2, 50 roles, three folders each). Line counts vary.
make_tree() {
    local dir="$1" total="$2"
    local n_py=$((total / 10)) n_sh=$((total / 20)) n_test=$((total / 10)) n_cfg=$((total / 100))
    local n_roles=$((total - n_py - n_sh - n_test - n_cfg))
    local -a bodies=()
    local i body=""
    for i in $(seq 1 40); do
        body+="line $i: value = \"$i\"  # comment"$'\n'
        if ((i % 8 == 0)); then
            bodies+=("$body")
        fi
    done
    mkdir -p "$dir/scripts" "$dir/tests"
    for ((i = 0; i < n_py; i++)); do
        printf '%s' "${bodies[i % 5]}" >"$dir/scripts/mod_$i.py"
    done
    for ((i = 0; i < n_sh; i++)); do
        printf '%s' "${bodies[(i + 1) % 5]}" >"$dir/scripts/tool-$i.sh"
    done
    for ((i = 0; i < n_test; i++)); do
        printf '%s' "${bodies[(i + 2) % 5]}" >"$dir/tests/test_mod_$((i * 2)).py"
    done
    for ((i = 0; i < n_cfg; i++)); do
        printf '%s' "${bodies[(i + 3) % 5]}" >"$dir/config_$i.yml"
    done
    local role sub ext
    for role in $(seq 0 49); do
        for sub in tasks defaults templates; do
            mkdir -p "$dir/roles/role_$role/$sub"
        done
    done
    for ((i = 0; i < n_roles; i++)); do
        role=$((i % 50))
        case $((i % 3)) in
            0) sub=tasks ext=yml ;;
            1) sub=defaults ext=yml ;;
            *) sub=templates ext=j2 ;;
        esac
        printf '%s' "${bodies[i % 5]}" >"$dir/roles/role_$role/$sub/f_$i.$ext"
    done
}

# ── Timing ──────────────────────────────────────────────
# measure NAME CMD... : prints "WALL CPU", the mean wall time and the mean
# user+system CPU time of CMD in milliseconds. CPU time is the steadier of
# the two on a machine shared with other work.
measure() {
    local name="$1"
    shift
    if command -v hyperfine >/dev/null; then
        local quoted
        quoted="$(printf '%q ' "$@")"
        hyperfine --style none --warmup 2 --runs "$RUNS" \
            --export-json "$WORK/$name.json" "$quoted" >/dev/null
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f %.1f" % (r["mean"]*1e3, (r["user"]+r["system"])*1e3))' \
            "$WORK/$name.json"
        return
    fi
    "$@" >/dev/null 2>&1
    local start end cpu TIMEFORMAT='%U %S'
    start=$(date +%s%N)
    cpu=$({ time for ((r = 0; r < RUNS; r++)); do "$@" >/dev/null 2>&1; done; } 2>&1)
    end=$(date +%s%N)
    awk -v ns=$((end - start)) -v n="$RUNS" -v cpu="$cpu" \
        'BEGIN { split(cpu, c, " "); printf "%.1f %.1f\n", ns / n / 1e6, (c[1] + c[2]) * 1000 / n }'
}

# Line totals (summary + line_counts + per-role lines) of a JSON report,
# read by Python since the script's JSON may hold bare `Infinity`.
totals() {
    python3 -c '
import json, sys
r = json.load(sys.stdin)
print(json.dumps([r["summary"], r["line_counts"], [(x["name"], x["lines"], x["files"]) for x in r["roles"]]]))'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'
}

bench_tree() {
    local label="$1" dir="$2"
    local rs py rs_wall rs_cpu py_wall py_cpu
    read -r rs_wall rs_cpu < <(measure "rs-$label" "$BIN" --project-dir "$dir" --no-dead-code)
    printf '%s\n' "$label"
    printf '  code-audit     wall %8s ms   cpu %8s ms\n' "$rs_wall" "$rs_cpu"
    if [[ -z "$PY_SCRIPT" ]]; then
        return
    fi
    read -r py_wall py_cpu < <(measure "py-$label" python3 "$WORK/wrapper.py" "$PY_SCRIPT" --project-dir "$dir")
    printf '  code-audit.py  wall %8s ms   cpu %8s ms\n' "$py_wall" "$py_cpu"
    printf '  ratio          wall %7sx      cpu %7sx\n' "$(ratio "$py_wall" "$rs_wall")" "$(ratio "$py_cpu" "$rs_cpu")"
    rs=$("$BIN" --project-dir "$dir" --no-dead-code --json | totals)
    py=$(python3 "$WORK/wrapper.py" "$PY_SCRIPT" --project-dir "$dir" --json | totals)
    if [[ "$rs" == "$py" ]]; then
        echo "  line totals    identical to the script"
    else
        echo "  line totals    DIFFERENT: code-audit $rs, script $py"
    fi
}

echo "Generating a synthetic tree of $FILES files ..." >&2
make_tree "$WORK/synthetic" "$FILES"
echo "code-audit benchmark: $RUNS runs each, dead code skipped on both sides, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
if [[ -n "$UPSTREAM" ]]; then
    bench_tree "anklume ($(basename "$UPSTREAM"))" "$UPSTREAM"
fi
bench_tree "synthetic ($FILES files)" "$WORK/synthetic"
