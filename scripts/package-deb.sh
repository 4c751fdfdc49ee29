#!/usr/bin/env bash
# package-deb.sh — Debian packages of the tools, built with dpkg-deb.
#
#   scripts/package-deb.sh [OUTDIR]       (default: target/debian)
#
# anklume-rs  the five anklume tools in a private folder, /usr/lib/anklume-rs/bin
#             (never /usr/bin/snap: that name is snapd's), reachable on PATH
#             as /usr/bin/anklume-<tool>; man pages and bash/zsh/fish
#             completions for those names.
# ember-repl  /usr/bin/ember-repl, its man page and completions; a package of
#             its own because it links llama.cpp (libgomp, libstdc++). Built
#             portable (scripts/build-ember-portable.sh): llama.cpp's
#             libraries and ggml's CPU variants in /usr/lib/ember-repl, the
#             best variant for the CPU picked at run time.
#
# Man pages and completions come from each binary's command-line declaration,
# which it prints when asked (the hidden --man NAME and --completions SHELL NAME).
# Depends: the packages that ship the shared libraries each binary needs.
#
# Environment:
#   BIN        folder holding the five anklume binaries (default: built with
#              cargo build --release)
#   EMBER_BIN  an ember-repl binary with llama.cpp linked in, packaged alone
#              (default: the portable build, scripts/build-ember-portable.sh,
#              which compiles llama.cpp and its CPU variants; never make
#              build-ember's target-cpu=native: a package must run on every
#              CPU of its architecture)
#   PACKAGES   which to build (default: "anklume-rs ember-repl")
#   VERSION    package version (default: the workspace version)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/target/debian}
PACKAGES=${PACKAGES:-anklume-rs ember-repl}
TOOLS=(generate snap snapshot-apply incus-guard code-audit)

die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
command -v dpkg-deb >/dev/null || die "dpkg-deb not found; install dpkg (Debian/Ubuntu)"

version() {
    [[ -n ${VERSION:-} ]] && { printf '%s' "$VERSION"; return; }
    sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n1
}

target_dir() {
    local t=${CARGO_TARGET_DIR:-target}
    [[ $t == /* ]] || t=$ROOT/$t
    printf '%s' "$t"
}

# roff-escape stdin: backslashes, hyphens, lines starting with . or '.
roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

# Packages shipping the shared libraries $@ need (by dpkg -S), comma-joined.
depends() {
    local lib path pkgs=()
    while read -r lib path; do
        [[ -n $path ]] || continue
        # A library of the package itself (ember-repl's private ones).
        [[ $path == "$WORK"/* ]] && continue
        local p
        for candidate in "$path" "$(realpath "$path")" "/usr$path" "${path#/usr}"; do
            p=$(dpkg -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1) && [[ -n $p ]] && break
        done
        [[ -n ${p:-} ]] || die "no Debian package ships $lib (needed by $*)"
        pkgs+=("$p")
    done < <(ldd "$@" | awk '/=> \// { print $1, $3 }')
    printf '%s\n' "${pkgs[@]}" | sort -u | paste -sd, | sed 's/,/, /g'
}

# One package: $1 name, $2 staging root (already holding the binaries).
build() {
    local name=$1 stage=$2 deps=$3 description=$4 size
    mkdir -p "$stage/DEBIAN"
    size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
    cat >"$stage/DEBIAN/control" <<EOF
Package: $name
Version: $VER
Architecture: $(dpkg --print-architecture)
Maintainer: anklume-rs developers <anklume-rs@users.noreply.github.com>
Installed-Size: $size
Depends: $deps
Section: admin
Priority: optional
Homepage: https://github.com/jmchantrein/AnKLuMe
Description: $description
EOF
    find "$stage" -type d -exec chmod 755 {} +
    mkdir -p "$OUT"
    dpkg-deb --root-owner-group -Zxz --build "$stage" "$OUT/${name}_${VER}_$(dpkg --print-architecture).deb" >/dev/null
    echo "$OUT/${name}_${VER}_$(dpkg --print-architecture).deb"
}

# $1 binary, $2 name on PATH, $3 staging root, $4 installed path: its man
# page (with the installed path) and its bash/zsh/fish completions.
document() {
    local bin=$1 name=$2 stage=$3 path=$4 man
    local bash=$stage/usr/share/bash-completion/completions/$name
    local zsh=$stage/usr/share/zsh/vendor-completions/_$name
    local fish=$stage/usr/share/fish/vendor_completions.d/$name.fish
    mkdir -p "$stage/usr/share/man/man1" "$(dirname "$bash")" "$(dirname "$zsh")" "$(dirname "$fish")"
    man=$("$bin" --man "$name") || die "$bin --man failed"
    printf '%s\n.SH FILES\n%s\n' "$man" "$(roff <<<"$path")" | gzip -9n >"$stage/usr/share/man/man1/$name.1.gz"
    "$bin" --completions bash "$name" >"$bash" || die "$bin --completions bash failed"
    "$bin" --completions zsh "$name" >"$zsh" || die "$bin --completions zsh failed"
    "$bin" --completions fish "$name" >"$fish" || die "$bin --completions fish failed"
}

VER=$(version)
[[ -n $VER ]] || die "no version in $ROOT/Cargo.toml [workspace.package]; set VERSION="
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for PKG in $PACKAGES; do
    case $PKG in
        anklume-rs)
            bins=${BIN:-}
            if [[ -z $bins ]]; then
                (cd "$ROOT" && cargo build --release --quiet -p generate -p snap -p snapshot-apply -p incus-guard -p code-audit) \
                    || die "cargo build --release failed"
                bins=$(target_dir)/release
            fi
            stage=$WORK/anklume-rs
            mkdir -p "$stage/usr/lib/anklume-rs/bin" "$stage/usr/bin"
            for t in "${TOOLS[@]}"; do
                [[ -x $bins/$t ]] || die "no $t binary in $bins; build it or fix BIN="
                install -m755 "$bins/$t" "$stage/usr/lib/anklume-rs/bin/$t"
                strip --strip-unneeded "$stage/usr/lib/anklume-rs/bin/$t" 2>/dev/null || true
                ln -s "../lib/anklume-rs/bin/$t" "$stage/usr/bin/anklume-$t"
                document "$bins/$t" "anklume-$t" "$stage" "/usr/lib/anklume-rs/bin/$t"
            done
            build anklume-rs "$stage" "$(depends "$stage"/usr/lib/anklume-rs/bin/*)" \
                "anklume's operations tools (generate, snap, snapshot-apply, incus-guard, code-audit)
 Rust drop-ins for anklume's scripts: same command lines, files, messages and
 exit codes. The binaries live in /usr/lib/anklume-rs/bin; /usr/bin has them
 as anklume-generate, anklume-snap, anklume-snapshot-apply,
 anklume-incus-guard and anklume-code-audit."
            ;;
        ember-repl)
            stage=$WORK/ember-repl
            mkdir -p "$stage/usr/bin"
            bin=${EMBER_BIN:-}
            if [[ -n $bin ]]; then
                [[ -x $bin ]] || die "no ember-repl binary at $bin; build it or fix EMBER_BIN="
                install -m755 "$bin" "$stage/usr/bin/ember-repl"
            else
                "$ROOT/scripts/build-ember-portable.sh" "$stage/usr" >/dev/null
            fi
            strip --strip-unneeded "$stage/usr/bin/ember-repl" 2>/dev/null || true
            document "$stage/usr/bin/ember-repl" ember-repl "$stage" /usr/bin/ember-repl
            # Depends: what the binary and its private libraries need from
            # the system (ldd finds the private ones through the RPATH).
            mapfile -t private < <(find "$stage/usr/lib" -name '*.so*' -type f 2>/dev/null)
            build ember-repl "$stage" "$(depends "$stage/usr/bin/ember-repl" "${private[@]}")" \
                "Ember's operator REPL, llama.cpp in-process
 Local docs, slash commands and a tmux status line (ember-repl hud); the
 model is a GGUF file named by LLAMA_CPP_MODEL. llama.cpp's CPU kernels are
 built for several instruction-set levels (/usr/lib/ember-repl); the best one
 this CPU runs is loaded at start-up (EMBER_CPU_VARIANT forces one)."
            ;;
        *) die "unknown package '$PKG'; PACKAGES= takes anklume-rs and ember-repl" ;;
    esac
done
