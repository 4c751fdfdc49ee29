#!/usr/bin/env bash
# bench/snapshot-apply.sh — time snapshot-apply create / rollback / cleanup
# on the real Incus rig, for our binary and (optionally) upstream's script.
#
#   cargo build --release -p snapshot-apply
#   scripts/incus-rig.sh status            # must print "ready"
#   bench/snapshot-apply.sh
#   UPSTREAM=/path/to/anklume/scripts/snapshot-apply.sh bench/snapshot-apply.sh
#
# Environment:
#   N         instances, split over two projects and two groups (default 20)
#   BIN       our binary (default target/release/snapshot-apply)
#   JOBS      passed as --jobs to our binary (default: its own default)
#   REPS      repetitions, tools interleaved; medians are printed (default 1)
#   UPSTREAM  upstream snapshot-apply.sh; it needs ansible-inventory and a
#             python3 with PyYAML on PATH. Never fetched: give a local path.
#   REMOTE    an Incus remote to run on instead of the local daemon, passed
#             as --remote to our binary; on a cluster the instances are
#             spread over the members (`incus init --target`, round robin):
#               scripts/incus-rig.sh cluster
#               REMOTE=rig-cluster bench/snapshot-apply.sh
#             Upstream has no --remote: it gets a copy of the client
#             configuration whose default remote is REMOTE.
#   POOL      storage pool for the instances (default: the default profile's).
#             On the rig's `dir` pool every snapshot is an rsync inside the
#             daemon and the daemon runs them one at a time, so both tools
#             wait on it; a copy-on-write pool shows what concurrency buys:
#               apt-get install btrfs-progs
#               incus storage create bench btrfs size=3GiB
#               POOL=bench bench/snapshot-apply.sh
#
# Both tools run on the same instances, each with its own HOME (so its own
# state folder and history). Per tool: create, rollback, two more creates,
# then `cleanup --keep 1` (which deletes two generations from every
# instance); the timed steps are the first create, the rollback and the
# cleanup.
#
# Upstream runs its incus calls inside `while read …; done <<< "$instances"`,
# so they inherit the rest of the host list on stdin, and `incus snapshot
# create` (Incus 6) reads stdin as YAML config: it fails on the first host
# and swallows the others. To time the script doing its job, upstream gets
# an `incus` wrapper on PATH that runs the real one with stdin from /dev/null.
set -euo pipefail

N="${N:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/target/release/snapshot-apply}"
UPSTREAM="${UPSTREAM:-}"
JOBS="${JOBS:-}"
REPS="${REPS:-1}"
POOL="${POOL:-}"
REMOTE="${REMOTE:-}"
R="${REMOTE:+$REMOTE:}"
IMAGE="${RIG_IMAGE_ALIAS:-rig-busybox}"
# Each tool runs with its own HOME; incus keeps reading the user's remotes.
export INCUS_CONF="${INCUS_CONF:-$HOME/.config/incus}"
TAG="bench-sa-$$"
WORK=""

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

cleanup() {
    local p i
    for p in "$TAG-a" "$TAG-b"; do
        if incus project show "$R$p" >/dev/null 2>&1; then
            for i in $(incus list ${R:+"$R"} --project "$p" --format csv --columns n); do
                incus delete --force --project "$p" "$R$i" >/dev/null 2>&1 || true
            done
            incus project delete "$R$p" >/dev/null 2>&1 || true
        fi
    done
    if [[ -n "$WORK" ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

[[ -x "$BIN" ]] || die "$BIN not found: run 'cargo build --release -p snapshot-apply' (or set BIN)"
if [[ -n "$REMOTE" ]]; then
    incus query "$REMOTE:/1.0" >/dev/null 2>&1 || die "remote $REMOTE does not answer (scripts/incus-rig.sh cluster)"
else
    bash "$ROOT/scripts/incus-rig.sh" status >/dev/null || die "the Incus rig is not ready (scripts/incus-rig.sh setup)"
fi
# Cluster members, for --target (none on a standalone daemon).
mapfile -t members < <(incus cluster list ${R:+"$R"} -f csv -c n 2>/dev/null || true)
[[ "$N" =~ ^[0-9]+$ && "$N" -ge 2 ]] || die "N must be a number >= 2"
[[ "$REPS" =~ ^[0-9]+$ && "$REPS" -ge 1 ]] || die "REPS must be a number >= 1"
if [[ -n "$UPSTREAM" ]]; then
    [[ -f "$UPSTREAM" ]] || die "UPSTREAM=$UPSTREAM does not exist"
    command -v ansible-inventory >/dev/null || die "upstream needs ansible-inventory on PATH"
    python3 -c 'import yaml' 2>/dev/null || die "upstream needs python3 with PyYAML on PATH"
fi

WORK="$(mktemp -d)"
mkdir -p "$WORK/tree/inventory" "$WORK/home-ours" "$WORK/home-upstream"

# ── Instances: half in each project, every other one running ──
say "creating $N instances in projects $TAG-a and $TAG-b${REMOTE:+ on $REMOTE (${#members[@]} members)}"
for side in a b; do
    incus project create "$R$TAG-$side" -c features.images=false -c features.profiles=false >/dev/null
    printf 'all:\n  children:\n    g%s:\n      hosts:\n' "$side" >"$WORK/tree/inventory/g$side.yml"
    # Upstream looks for the project in group_vars/<group>/vars.yml.
    mkdir -p "$WORK/tree/group_vars/g$side"
    printf 'incus_project: %s\n' "$TAG-$side" >"$WORK/tree/group_vars/g$side/vars.yml"
done
for ((i = 0; i < N; i++)); do
    side=$([[ $((i % 2)) -eq 0 ]] && echo a || echo b)
    name="$TAG-$side-$i"
    verb=$([[ $((i % 4)) -lt 2 ]] && echo launch || echo init)
    target=()
    if [[ ${#members[@]} -gt 0 ]]; then target=(--target "${members[i % ${#members[@]}]}"); fi
    incus "$verb" "$R$IMAGE" "$R$name" --project "$TAG-$side" ${POOL:+--storage "$POOL"} \
        "${target[@]}" --quiet >/dev/null 2>&1 || die "cannot create $name${POOL:+ on pool $POOL}"
    printf '        %s:\n' "$name" >>"$WORK/tree/inventory/g$side.yml"
done

now() { date +%s.%N; }

# step LABEL HOME EXPECTED CMD... — run CMD in the tree; the run must print
# EXPECTED (a benchmark of a run that did not do the work means nothing).
step() {
    local label="$1" home="$2" expected="$3" out
    shift 3
    out=$(cd "$WORK/tree" && HOME="$home" "$@" 2>&1) || true
    if [[ "$out" != *"$expected"* ]]; then
        printf '%s\n' "$out" >&2
        die "$label: expected '$expected'"
    fi
}

# run_tool LABEL HOME CMD... → prints "create rollback cleanup" seconds.
run_tool() {
    local label="$1" home="$2" t0 t1 t2 t3 t4
    shift 2
    say "$label: create"
    t0=$(now)
    step "$label" "$home" "$N snapshot(s) created, 0 failed" "$@" create
    t1=$(now)
    say "$label: rollback"
    step "$label" "$home" "$N instance(s) restored" "$@" rollback
    t2=$(now)
    say "$label: two more creates (untimed)"
    sleep 1
    step "$label" "$home" "$N snapshot(s) created, 0 failed" "$@" create
    sleep 1
    step "$label" "$home" "$N snapshot(s) created, 0 failed" "$@" create
    say "$label: cleanup --keep 1"
    t3=$(now)
    step "$label" "$home" "Cleanup complete" "$@" cleanup --keep 1
    t4=$(now)
    awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" \
        'BEGIN { printf "%.2f %.2f %.2f\n", b - a, c - b, e - d }'
}

ours_cmd=("$BIN")
if [[ -n "$JOBS" ]]; then ours_cmd+=(--jobs "$JOBS"); fi
if [[ -n "$REMOTE" ]]; then ours_cmd+=(--remote "$REMOTE"); fi
source_note="inventory from $(command -v ansible-inventory >/dev/null && echo ansible-inventory || echo 'inventory/*.yml (no ansible-inventory)')"

if [[ -n "$UPSTREAM" ]]; then
    mkdir -p "$WORK/upstream-bin"
    upstream_conf="$INCUS_CONF"
    if [[ -n "$REMOTE" ]]; then
        upstream_conf="$WORK/upstream-conf"
        cp -r "$INCUS_CONF" "$upstream_conf"
        sed -i "s/^default-remote: .*/default-remote: $REMOTE/" "$upstream_conf/config.yml"
    fi
    printf '#!/bin/sh\nINCUS_CONF=%q exec %q "$@" </dev/null\n' "$upstream_conf" "$(command -v incus)" \
        >"$WORK/upstream-bin/incus"
    chmod +x "$WORK/upstream-bin/incus"
fi

# Per tool and step, one line of seconds per repetition.
: >"$WORK/ours.times"
: >"$WORK/upstream.times"
for ((rep = 1; rep <= REPS; rep++)); do
    say "repetition $rep/$REPS"
    run_tool ours "$WORK/home-ours" "${ours_cmd[@]}" >>"$WORK/ours.times"
    if [[ -n "$UPSTREAM" ]]; then
        PATH="$WORK/upstream-bin:$PATH" \
            run_tool upstream "$WORK/home-upstream" bash "$UPSTREAM" >>"$WORK/upstream.times"
    fi
done

# median FILE COLUMN
median() {
    cut -d' ' -f"$2" "$1" | sort -n | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

steps=(create rollback cleanup)
echo
where="${REMOTE:-the local daemon}${members[0]:+, a cluster of ${#members[@]} members}"
echo "snapshot-apply, $N instances (2 projects, half running) on $where, pool ${POOL:-(default)}, $source_note"
echo "median of $REPS run(s)"
if [[ -n "$UPSTREAM" ]]; then
    printf '%-10s %10s %12s %8s\n' step ours upstream speedup
    for i in 0 1 2; do
        awk -v s="${steps[i]}" -v o="$(median "$WORK/ours.times" $((i + 1)))" \
            -v u="$(median "$WORK/upstream.times" $((i + 1)))" \
            'BEGIN { printf "%-10s %9.2fs %11.2fs %7.1fx\n", s, o, u, (o > 0 ? u / o : 0) }'
    done
else
    printf '%-10s %10s\n' step ours
    for i in 0 1 2; do
        printf '%-10s %9.2fs\n' "${steps[i]}" "$(median "$WORK/ours.times" $((i + 1)))"
    done
fi
