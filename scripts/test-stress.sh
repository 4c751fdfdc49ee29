#!/usr/bin/env bash
# `make test-stress`: the whole suite under CPU load, RUNS times in a row
# (default 3), with one busy loop per core (default 2) running all along.
# Shows that no test depends on timing. Not part of CI.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
runs=${RUNS:-3}
hogs=${HOGS:-2}

pids=()
stop_hogs() { [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null; }
trap stop_hogs EXIT
for _ in $(seq "$hogs"); do
    (while :; do :; done) &
    pids+=($!)
done

results=()
ok=0
for i in $(seq "$runs"); do
    echo "=== stressed run $i of $runs ($hogs busy loops)"
    start=$SECONDS
    if scripts/test.sh; then
        ok=$((ok + 1))
        results+=("run $i: green in $((SECONDS - start)) s")
    else
        results+=("run $i: RED after $((SECONDS - start)) s")
    fi
done
printf '%s\n' "${results[@]}"
echo "$ok of $runs stressed runs green"
[ "$ok" -eq "$runs" ]
