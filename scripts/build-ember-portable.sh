#!/usr/bin/env bash
# build-ember-portable.sh — ember-repl for distribution: runs on every CPU of
# its architecture, and at full speed on newer ones.
#
#   scripts/build-ember-portable.sh [DEST]     (default: target/portable/dist)
#
# Builds `cargo build --release -p ember-repl --features portable` (in
# target/portable, apart from make build-ember's target/native and the
# anklume tools' target/release; under $CARGO_TARGET_DIR when set) and lays
# out, under DEST:
#
#   bin/ember-repl                  the binary (RPATH $ORIGIN/../lib/ember-repl)
#   lib/ember-repl/libllama.so.0, libggml.so.0, libggml-base.so.0
#   lib/ember-repl/libggml-cpu-<variant>.so   ggml's CPU backend, once per
#                                   instruction-set level; ember-repl loads
#                                   the best one this CPU runs at start-up
#
# DEST=…/usr gives /usr/bin/ember-repl and /usr/lib/ember-repl (the Debian
# package). The tree runs from anywhere as is: DEST/bin/ember-repl.
#
# Environment:
#   EMBER_PORTABLE_TARGET_DIR   cargo target dir (default
#                               ${CARGO_TARGET_DIR:-target}/portable)
#   RUSTFLAGS                   must not name a target CPU (the binary would
#                               then need that CPU)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${EMBER_PORTABLE_TARGET_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}/portable}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR
DEST=${1:-$TARGET_DIR/dist}

die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

case " ${RUSTFLAGS:-} ${CARGO_ENCODED_RUSTFLAGS:-} " in
    *target-cpu*) die "RUSTFLAGS names a target CPU; a portable build must not (unset RUSTFLAGS)" ;;
esac

# cargo's JSON messages name llama-cpp-sys-2's build folder (out_dir), where
# its CMake build installed the libraries (lib/) and the CPU variants
# (backends/); the human-readable diagnostics still go to stderr.
messages=$(cd "$ROOT" && cargo build --release --locked -p ember-repl --features portable \
    --target-dir "$TARGET_DIR" --message-format=json-render-diagnostics) \
    || die "cargo build --release -p ember-repl --features portable failed"
out_dir=$(jq -r 'select(.reason == "build-script-executed")
    | select(.package_id | test("llama-cpp-sys-2")) | .out_dir' <<<"$messages" | tail -n1)
bin=$(jq -r 'select(.reason == "compiler-artifact") | select(.target.name == "ember-repl")
    | .executable // empty' <<<"$messages" | tail -n1)
[[ -d $out_dir/backends && -d $out_dir/lib ]] || die "no llama.cpp libraries in '$out_dir' (cargo's out_dir of llama-cpp-sys-2)"
[[ -x $bin ]] || die "cargo built no ember-repl binary"
compgen -G "$out_dir/backends/libggml-cpu-*.so" >/dev/null \
    || die "no CPU variant libraries in $out_dir/backends; was llama-cpp-sys-2 built with dynamic-backends?"

lib=$DEST/lib/ember-repl
rm -rf "$lib"
mkdir -p "$DEST/bin" "$lib"
install -m755 "$bin" "$DEST/bin/ember-repl"
# The libraries with their version links (the loader asks for libllama.so.0).
cp -P "$out_dir"/lib/lib*.so* "$lib/"
# One plain file per variant (ggml looks for libggml-cpu-*.so by name).
for f in "$out_dir"/backends/libggml-cpu-*.so; do
    install -m644 "$f" "$lib/$(basename "$f")"
done
find "$lib" -type f -exec strip --strip-unneeded {} +
chmod 644 "$lib"/*.so*

# Everything the binary needs resolves inside the tree (or the system).
missing=$(ldd "$DEST/bin/ember-repl" | awk '/not found/ { print $1 }')
[[ -z $missing ]] || die "ember-repl in $DEST needs libraries not found: $missing"
echo "$DEST/bin/ember-repl"
