#!/usr/bin/env bash
# Installs what building and testing this workspace needs, and only what is
# missing: Debian packages (llama.cpp's build for ember-repl, the linters, the
# terminal tests), rustfmt and clippy, and the pinned Python oracles in a
# virtualenv. Safe to run again: a second run changes nothing.
#
#   scripts/dev-setup.sh           install what is missing
#   scripts/dev-setup.sh --check   say what is missing, exit 1 if anything is
#
# System packages need root: run as root, or with sudo available; otherwise
# the script prints the one command to run and exits 1. The virtualenv
# (.venv/ in the checkout, or $ANKLUME_ORACLE_VENV) belongs to the caller.
# The real Incus daemon is not set up here: see scripts/incus-rig.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

check_only=
case "${1:-}" in
    --check) check_only=1 ;;
    "") ;;
    *) echo "usage: scripts/dev-setup.sh [--check]" >&2; exit 2 ;;
esac

venv=${ANKLUME_ORACLE_VENV:-$PWD/.venv}
requirements=scripts/oracle-requirements.txt
missing=()

# Debian package for each command or file the build and tests need.
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_cmd cmake cmake
need_cmd g++ g++
need_cmd shellcheck shellcheck
need_cmd tmux tmux
need_cmd jq jq
need_cmd ip iproute2
need_cmd setpriv util-linux
# The adopt tests write a git checkout; make deb and its test use dpkg-deb.
need_cmd git git
need_cmd dpkg-deb dpkg
# The portable ember-repl's dispatch test runs it on an emulated older CPU.
[ "$(uname -m)" != x86_64 ] || need_cmd qemu-x86_64 qemu-user
# bindgen (llama-cpp-sys-2) loads libclang and needs clang's own headers.
compgen -G '/usr/lib/llvm-*/lib/libclang.so' >/dev/null || missing+=(libclang-dev)
# Debian's python3 has venv and ensurepip in a separate package.
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

need_components=()
cargo fmt --version >/dev/null 2>&1 || need_components+=(rustfmt)
cargo clippy --version >/dev/null 2>&1 || need_components+=(clippy)

venv_current() {
    [ -x "$venv/bin/python3" ] && cmp -s "$requirements" "$venv/.requirements"
}

if [ -n "$check_only" ]; then
    ok=1
    [ ${#missing[@]} -eq 0 ] || { echo "missing Debian packages: ${missing[*]}"; ok=; }
    [ ${#need_components[@]} -eq 0 ] || { echo "missing Rust components: ${need_components[*]}"; ok=; }
    venv_current || { echo "oracle virtualenv missing or out of date: $venv"; ok=; }
    [ -n "$ok" ]
    exit
fi

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo)
    else
        echo "ERROR: packages missing: ${missing[*]}. Run, as root:" >&2
        echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    echo "dev-setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq -o DPkg::Lock::Timeout=300
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi

if [ ${#need_components[@]} -gt 0 ]; then
    echo "dev-setup: adding Rust components ${need_components[*]}"
    rustup component add "${need_components[@]}" >/dev/null
fi

if ! venv_current; then
    echo "dev-setup: creating the oracle virtualenv in $venv"
    python3 -m venv --clear "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/.requirements"
fi
