#!/usr/bin/env bash
# adopt.sh — put the anklume-rs binaries in place of an anklume checkout's
# five scripts, and take them out again.
#
#   scripts/adopt.sh adopt   DIR    (make adopt ANKLUME=DIR)
#   scripts/adopt.sh unadopt DIR    (make unadopt ANKLUME=DIR)
#
# adopt: DIR must hold the five scripts; a script with local changes (git) is
# refused unless FORCE=1. The binaries (built with `cargo build --release`,
# or taken from ANKLUME_RS_BIN=<folder> without building) are copied to
# DIR/.anklume-rs/bin, each original is saved byte for byte (mode and mtime
# too) in DIR/.anklume-rs/orig, and a small shim takes its place:
#   *.sh  a bash script that execs the binary (so `bash scripts/snap.sh`
#         works); incus-guard's shim keeps the original's path lines and
#         hands their values to the binary as INCUS_GUARD_* variables;
#   *.py  run as a program: execs the binary; imported as a module: runs the
#         saved original in its place, so `from generate import …` still works.
# DIR/.anklume-rs/.gitignore ignores the whole folder, so `git status` shows
# the five scripts and nothing else. Running adopt again changes nothing.
#
# unadopt: each shim is replaced by the saved original (same bytes, mode and
# mtime) and DIR/.anklume-rs is removed; a script that is no longer our shim
# is refused unless FORCE=1 (then the saved original goes back over it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HIDDEN=.anklume-rs
MARK='# anklume-rs shim'
# script in the checkout → binary
SCRIPTS=(generate.py snap.sh snapshot-apply.sh incus-guard.sh code-audit.py)
declare -A BIN_OF=(
    [generate.py]=generate [snap.sh]=snap [snapshot-apply.sh]=snapshot-apply
    [incus-guard.sh]=incus-guard [code-audit.py]=code-audit
)
# The path lines of upstream's incus-guard.sh that its tests rewrite with sed.
GUARD_VARS='^(LOGFILE|GUARD_STATE|GUARD_SCRIPT_INSTALL|DROPIN_DIR|DROPIN_FILE)='

die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
usage() {
    printf 'ERROR: %s\n' "$*" >&2
    echo "Usage: make adopt ANKLUME=/path/to/anklume  |  make unadopt ANKLUME=/path/to/anklume  (FORCE=1 to override the checks)" >&2
    exit 2
}

is_shim() { [[ -f $1 ]] && sed -n 2p "$1" | grep -qF "$MARK"; }

# Write $2 (text) to $1 only when it differs; keep mode $3. Sets CHANGED.
put_text() {
    local dest=$1 text=$2 mode=$3 tmp
    if [[ -f $dest ]] && [[ $(cat "$dest"; echo x) == "$text"x ]]; then
        return
    fi
    tmp=$(mktemp "$dest.XXXXXX")
    printf '%s' "$text" >"$tmp"
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$dest"
    CHANGED=1
}

# Copy $1 to $2 (bytes, mode, mtime) unless identical. Sets CHANGED.
put_copy() {
    local src=$1 dest=$2 tmp
    if [[ -f $dest ]] && cmp -s "$src" "$dest" \
        && [[ $(stat -c %a "$src") == $(stat -c %a "$dest") ]]; then
        return
    fi
    tmp=$(mktemp "$(dirname "$dest")/.adopt.XXXXXX")
    cp -p "$src" "$tmp"
    mv -f "$tmp" "$dest"
    CHANGED=1
}

shell_shim() {
    local name=$1 bin=$2 abs=$3 vars=$4
    cat <<EOF
#!/usr/bin/env bash
$MARK: runs the anklume-rs \`$bin\` binary in place of this script.
# The original is saved in $HIDDEN/orig/$name;
# \`make unadopt ANKLUME=<this checkout>\`, run in anklume-rs, puts it back.
EOF
    if [[ -n $vars ]]; then
        # The original's own lines, so a sed over them still takes effect.
        printf '%s\n' "$vars"
        cat <<'EOF'
to_bin() { [[ -z $2 ]] || export "INCUS_GUARD_$1=$2"; }
to_bin LOG "${LOGFILE-}"
to_bin STATE "${GUARD_STATE-}"
to_bin INSTALL "${GUARD_SCRIPT_INSTALL-}"
to_bin DROPIN_DIR "${DROPIN_DIR-}"
to_bin DROPIN "${DROPIN_FILE-}"
EOF
    fi
    cat <<EOF
here=\${BASH_SOURCE[0]%/*}
[[ \$here != "\${BASH_SOURCE[0]}" ]] || here=.
bin=\$here/../$HIDDEN/bin/$bin
# A copy of this script run from elsewhere finds the binary here.
[[ -x \$bin ]] || bin=$(printf '%q' "$abs/$HIDDEN/bin/$bin")
exec -a "\$0" "\$bin" "\$@"
EOF
}

python_shim() {
    local name=$1 bin=$2 abs=$3
    cat <<EOF
#!/usr/bin/env python3
$MARK: runs the anklume-rs \`$bin\` binary in place of this script.
# The original is saved in $HIDDEN/orig/$name;
# \`make unadopt ANKLUME=<this checkout>\`, run in anklume-rs, puts it back.
# Imported as a module, this file runs that original in its own namespace,
# so \`import\` users see no difference.
import os as _os
import sys as _sys


def _home():
    here = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "$HIDDEN")
    return here if _os.path.isdir(here) else $(printf '%s' "$abs/$HIDDEN" | python3 -c 'import sys; print(repr(sys.stdin.read()))')


if __name__ == "__main__":
    import signal as _signal

    # Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored
    # across exec: give the binary the defaults a shell would have given it.
    for _s in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(_signal, _s):
            _signal.signal(getattr(_signal, _s), _signal.SIG_DFL)
    _exe = _os.path.join(_home(), "bin", "$bin")
    try:
        _os.execv(_exe, [_sys.argv[0]] + _sys.argv[1:])
    except OSError as _e:
        _sys.stderr.write("ERROR: cannot run %s: %s; run make adopt again from anklume-rs\n" % (_exe, _e.strerror))
        _sys.exit(1)
else:
    from importlib.machinery import SourceFileLoader as _Loader

    _code = _Loader(__name__, _os.path.join(_home(), "orig", "$name")).get_code(__name__)
    del _Loader, _home, _os, _sys
    exec(_code)
EOF
}

checkout_of() {
    local dir=$1 s
    [[ -n $dir ]] || usage "ANKLUME=<path to an anklume checkout> is required"
    [[ -d $dir ]] || die "$dir is not a folder; ANKLUME= must name an anklume checkout"
    dir=$(cd "$dir" && pwd)
    for s in "${SCRIPTS[@]}"; do
        [[ -f $dir/scripts/$s ]] || die "$dir is not an anklume checkout: scripts/$s is missing"
    done
    printf '%s' "$dir"
}

# Refuse originals with local changes (FORCE=1 skips the check).
check_clean() {
    local co=$1 s st
    [[ ${FORCE:-} == 1 ]] && return
    git -C "$co" rev-parse --is-inside-work-tree >/dev/null 2>&1 \
        || die "$co is not a git checkout, so local changes to its scripts cannot be checked; FORCE=1 to adopt anyway"
    for s in "${SCRIPTS[@]}"; do
        is_shim "$co/scripts/$s" && continue
        st=$(git -C "$co" status --porcelain -- "scripts/$s")
        [[ -z $st ]] || die "$co: scripts/$s has local changes (git status: ${st:0:2}); commit or stash them first, or FORCE=1 to adopt anyway (unadopt gives the changed file back)"
    done
}

binaries() {
    if [[ -n ${ANKLUME_RS_BIN:-} ]]; then
        printf '%s' "$ANKLUME_RS_BIN"
        return
    fi
    (cd "$ROOT" && cargo build --release --quiet -p generate -p snap -p snapshot-apply -p incus-guard -p code-audit) >&2 \
        || die "cargo build --release failed; fix the build (or point ANKLUME_RS_BIN at built binaries)"
    local target=${CARGO_TARGET_DIR:-target}
    [[ $target == /* ]] || target=$ROOT/$target
    printf '%s' "$target/release"
}

adopt() {
    local co bins s b orig vars mode
    co=$(checkout_of "${1:-}")
    # The checkout runs its .py scripts with python3; the shims need it too.
    command -v python3 >/dev/null || die "python3 not found; anklume's Makefile runs its scripts with python3, install it first"
    check_clean "$co"
    for s in "${SCRIPTS[@]}"; do
        if is_shim "$co/scripts/$s" && [[ ! -f $co/$HIDDEN/orig/$s ]]; then
            die "$co/scripts/$s is an anklume-rs shim but $HIDDEN/orig/$s is gone; restore it with git -C $co checkout -- scripts/$s, then adopt again"
        fi
    done
    bins=$(binaries)
    for s in "${SCRIPTS[@]}"; do
        [[ -x $bins/${BIN_OF[$s]} ]] || die "no ${BIN_OF[$s]} binary in $bins; build it (cargo build --release) or fix ANKLUME_RS_BIN"
    done
    CHANGED=0
    mkdir -p "$co/$HIDDEN/bin" "$co/$HIDDEN/orig"
    put_text "$co/$HIDDEN/.gitignore" $'# Made by anklume-rs `make adopt`; `make unadopt` removes this folder.\n*\n' 644
    for s in "${SCRIPTS[@]}"; do
        put_copy "$bins/${BIN_OF[$s]}" "$co/$HIDDEN/bin/${BIN_OF[$s]}"
    done
    for s in "${SCRIPTS[@]}"; do
        is_shim "$co/scripts/$s" || put_copy "$co/scripts/$s" "$co/$HIDDEN/orig/$s"
        orig=$co/$HIDDEN/orig/$s
        b=${BIN_OF[$s]}
        mode=$(stat -c %a "$orig")
        case $s in
            *.py) put_text "$co/scripts/$s" "$(python_shim "$s" "$b" "$co")"$'\n' "$mode" ;;
            incus-guard.sh)
                vars=$(grep -E "$GUARD_VARS" "$orig" || true)
                put_text "$co/scripts/$s" "$(shell_shim "$s" "$b" "$co" "$vars")"$'\n' "$mode" ;;
            *) put_text "$co/scripts/$s" "$(shell_shim "$s" "$b" "$co" "")"$'\n' "$mode" ;;
        esac
    done
    if [[ $CHANGED == 0 ]]; then
        echo "$co is already adopted; nothing changed."
        return
    fi
    echo "Adopted $co:"
    for s in "${SCRIPTS[@]}"; do
        printf '  scripts/%-18s runs %s/bin/%s\n' "$s" "$HIDDEN" "${BIN_OF[$s]}"
    done
    echo "Originals saved in $co/$HIDDEN/orig. Undo: make unadopt ANKLUME=$co"
}

unadopt() {
    local co s restored=0
    co=$(checkout_of "${1:-}")
    for s in "${SCRIPTS[@]}"; do
        [[ -f $co/$HIDDEN/orig/$s ]] || {
            is_shim "$co/scripts/$s" \
                && die "cannot restore $co/scripts/$s: the saved original ($HIDDEN/orig/$s) is gone; git -C $co checkout -- scripts/$s gives back the committed one"
            continue
        }
        if ! is_shim "$co/scripts/$s" && ! cmp -s "$co/$HIDDEN/orig/$s" "$co/scripts/$s" \
            && [[ ${FORCE:-} != 1 ]]; then
            die "$co/scripts/$s changed since adopt (it is no longer the anklume-rs shim); FORCE=1 puts the saved original back over it"
        fi
    done
    for s in "${SCRIPTS[@]}"; do
        [[ -f $co/$HIDDEN/orig/$s ]] || continue
        put_copy "$co/$HIDDEN/orig/$s" "$co/scripts/$s"
        restored=$((restored + 1))
    done
    if [[ ! -e $co/$HIDDEN ]]; then
        echo "$co is not adopted; nothing to undo."
        return
    fi
    rm -rf "${co:?}/$HIDDEN"
    echo "Unadopted $co: $restored scripts restored, $HIDDEN removed."
}

case ${1:-} in
    adopt) adopt "${2:-}" ;;
    unadopt) unadopt "${2:-}" ;;
    *) usage "unknown command '${1:-}'; expected adopt or unadopt" ;;
esac
