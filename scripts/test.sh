#!/usr/bin/env bash
# `make test`: set-up check, lint, then every test of the workspace, and one
# closing line. Every test binary runs even when one fails (--no-fail-fast),
# so a failure never hides the state of the others; each lint check counts as
# one test in the closing line. Exit status: 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

scripts/dev-setup.sh || exit 1
# The pinned oracles (PyYAML, ansible-inventory) come first on PATH.
export PATH="${ANKLUME_ORACLE_VENV:-$PWD/.venv}/bin:$PATH"
cargo=${CARGO:-cargo}

passed=0
failed=0
failures=()
check() {
    local name=$1
    shift
    echo "== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

check "cargo fmt --check" "$cargo" fmt --all -- --check
check "cargo clippy" "$cargo" clippy --workspace --all-targets --quiet -- -D warnings
check "shellcheck" shellcheck scripts/*.sh bench/*.sh .ci/run
# The portable ember-repl (the Debian package's build) in its own target dir,
# in release: that one llama.cpp build serves clippy, the tests and the package.
portable=(--release -p ember-repl --features portable --target-dir "${CARGO_TARGET_DIR:-target}/portable")
check "cargo clippy (ember-repl portable)" "$cargo" clippy "${portable[@]}" --all-targets --quiet -- -D warnings

echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$cargo" test --workspace --no-fail-fast --quiet 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo "== cargo test ember-repl, portable build (CPU kernels picked at run time)"
"$cargo" test "${portable[@]}" --no-fail-fast --quiet 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

read -r tp tf < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$log")
passed=$((passed + tp))
failed=$((failed + tf))
if [ "$status" -ne 0 ] && [ "$tf" -eq 0 ]; then
    # A build error or a test binary that died before its summary line.
    failed=$((failed + 1))
    failures+=("cargo test exited $status without a failed test (build error or a crashed test binary)")
fi

echo
# cargo has listed the failed test targets above ("error: N targets failed").
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
