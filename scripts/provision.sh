#!/bin/sh
# Provision (or refresh) an Alpine node for Ember. Run as root from a checkout:
#   sudo ./scripts/provision.sh [--dry-run]
# Idempotent: run it again after `git pull`; cargo rebuilds only what changed
# (nothing is cleaned), unchanged dotfiles are left alone, inittab is edited
# once.
#
# Environment:
#   EMBER_USER        operator account (default: ember)
#   EMBER_ROOT        prefix for every path this script writes (default: none,
#                     i.e. /); paths written into the dotfiles stay unprefixed
#   EMBER_VAULT_DIR   vault (default: <checkout>/vault)
#   EMBER_MODEL_DIR   GGUF models (default: <checkout>/models)
#   EMBER_MODEL_URL   default model to download (empty: no download)
#   LLAMA_DIR         llama.cpp working folder, exported as LLAMA_CPP_DIR
#                     (default: /opt/llama.cpp); ember-repl links llama.cpp
#                     itself, so nothing is cloned there
#   APK_PRUNE         packages to remove at the end, e.g. "nano openssh-server"
#   EMBER_SERVICE     "openrc": enable /etc/init.d/ember (boot-time tmux
#                     session) in addition to tty1 autologin
#   EMBER_SKIP_BUILD  non-empty: do not run cargo
#   EMBER_RUSTFLAGS   added to RUSTFLAGS for the ember-repl build (default:
#                     -C target-cpu=native, so llama.cpp uses every SIMD
#                     feature of this node; empty: a portable build)
set -eu

DRY_RUN=
for arg in "$@"; do
  case "$arg" in
    -n | --dry-run) DRY_RUN=1 ;;
    -h | --help)
      sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      printf 'provision.sh: unknown argument %s (try --help)\n' "$arg" >&2
      exit 2
      ;;
  esac
done

REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TEMPLATE_DIR="$REPO_ROOT/templates"
EMBER_ROOT="${EMBER_ROOT:-}"
EMBER_ROOT="${EMBER_ROOT%/}"
EMBER_USER="${EMBER_USER:-ember}"
EMBER_HOME="/home/$EMBER_USER"
VAULT_DIR="${EMBER_VAULT_DIR:-$REPO_ROOT/vault}"
MODEL_DIR="${EMBER_MODEL_DIR:-$REPO_ROOT/models}"
LLAMA_DIR="${LLAMA_DIR:-/opt/llama.cpp}"
MODEL_URL="${EMBER_MODEL_URL-https://huggingface.co/QuantFactory/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf}"
APK_PRUNE="${APK_PRUNE:-}"
EMBER_SERVICE="${EMBER_SERVICE:-}"
# Its own target dir: the native build never replaces a portable one.
EMBER_BIN="$REPO_ROOT/target/native/release/ember-repl"
INITTAB=/etc/inittab
LOGIN_SHELL=/bin/zsh

model_file="${MODEL_URL##*/}"
model_file="${model_file%%\?*}"
[ -n "$model_file" ] || model_file=default-model.gguf
MODEL_PATH="$MODEL_DIR/$model_file"

APK_PACKAGES="tmux zsh shadow sudo git curl bash ca-certificates \
build-base cmake clang-dev linux-headers cargo rust"

log() {
  printf '[ember-provision] %s\n' "$*"
}

fatal() {
  printf '[ember-provision][error] %s\n' "$*" >&2
  exit 1
}

# Path as written on this machine: EMBER_ROOT + the node's path.
at() {
  printf '%s%s' "$EMBER_ROOT" "$1"
}

# Runs a command, or only shows it under --dry-run.
run() {
  if [ -n "$DRY_RUN" ]; then
    printf '[dry-run] %s\n' "$*"
    return 0
  fi
  "$@"
}

require_root() {
  [ -n "$DRY_RUN" ] && return 0
  [ -n "$EMBER_ROOT" ] && return 0
  [ "$(id -u)" -eq 0 ] || fatal "run as root (apk, adduser and /etc need it), or use --dry-run"
}

ensure_alpine() {
  release="$(at /etc/os-release)"
  [ -f "$release" ] || fatal "$release not found; this script expects Alpine Linux"
  grep -q '^ID=alpine' "$release" || fatal "not Alpine Linux ($release); aborting"
}

apk_bootstrap() {
  log "installing packages: $APK_PACKAGES"
  run apk update
  # shellcheck disable=SC2086 # the package list is split on purpose
  run apk add --no-cache $APK_PACKAGES
}

user_exists() {
  passwd="$(at /etc/passwd)"
  [ -f "$passwd" ] && grep -q "^$EMBER_USER:" "$passwd"
}

ensure_user() {
  if user_exists; then
    log "user $EMBER_USER exists"
  else
    log "creating user $EMBER_USER"
    run adduser -D -h "$EMBER_HOME" -s "$LOGIN_SHELL" "$EMBER_USER"
  fi
  run mkdir -p "$(at "$EMBER_HOME")"
  run chown "$EMBER_USER:$EMBER_USER" "$(at "$EMBER_HOME")"
}

ensure_dirs() {
  for dir in "$VAULT_DIR" "$MODEL_DIR"; do
    if [ ! -d "$(at "$dir")" ]; then
      log "creating $dir"
      run mkdir -p "$(at "$dir")"
    fi
    run chown -R "$EMBER_USER:$EMBER_USER" "$(at "$dir")"
  done
}

sed_escape() {
  printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'
}

# render SRC DEST MODE: fills the {{...}} placeholders; DEST is only replaced
# when its content changes.
render() {
  src="$TEMPLATE_DIR/$1"
  dest="$(at "$2")"
  mode="$3"
  [ -f "$src" ] || fatal "template $src missing"
  tmp="$(mktemp)"
  sed \
    -e "s|{{REPO_DIR}}|$(sed_escape "$REPO_ROOT")|g" \
    -e "s|{{VAULT_DIR}}|$(sed_escape "$VAULT_DIR")|g" \
    -e "s|{{MODEL_DIR}}|$(sed_escape "$MODEL_DIR")|g" \
    -e "s|{{MODEL_PATH}}|$(sed_escape "$MODEL_PATH")|g" \
    -e "s|{{LLAMA_DIR}}|$(sed_escape "$LLAMA_DIR")|g" \
    -e "s|{{EMBER_BIN}}|$(sed_escape "$EMBER_BIN")|g" \
    -e "s|{{SHELL}}|$(sed_escape "$LOGIN_SHELL")|g" \
    -e "s|{{USER}}|$(sed_escape "$EMBER_USER")|g" \
    "$src" >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    log "$2 is up to date"
    rm -f "$tmp"
    return 0
  fi
  log "writing $2"
  if [ -n "$DRY_RUN" ]; then
    printf '[dry-run] install -m %s %s %s\n' "$mode" "$src" "$dest"
    rm -f "$tmp"
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  cp "$tmp" "$dest"
  chmod "$mode" "$dest"
  rm -f "$tmp"
}

install_dotfiles() {
  render tmux.conf "$EMBER_HOME/.tmux.conf" 0644
  render zshrc "$EMBER_HOME/.zshrc" 0644
  render zprofile "$EMBER_HOME/.zprofile" 0644
  run chown "$EMBER_USER:$EMBER_USER" "$(at "$EMBER_HOME/.tmux.conf")" \
    "$(at "$EMBER_HOME/.zshrc")" "$(at "$EMBER_HOME/.zprofile")"
}

install_service() {
  render ember.openrc /etc/init.d/ember 0755
  if [ "$EMBER_SERVICE" = openrc ]; then
    log "enabling the ember OpenRC service"
    run rc-update add ember default
  fi
}

configure_autologin() {
  inittab="$(at "$INITTAB")"
  [ -f "$inittab" ] || fatal "$inittab not found; cannot configure tty1 autologin"
  line="tty1::respawn:/sbin/agetty --autologin $EMBER_USER --noclear 38400 tty1 linux"
  if grep -qxF "$line" "$inittab"; then
    log "tty1 autologin already configured"
    return 0
  fi
  log "configuring tty1 autologin for $EMBER_USER (backup: $INITTAB.ember.bak)"
  if [ -n "$DRY_RUN" ]; then
    printf '[dry-run] edit %s: %s\n' "$inittab" "$line"
    return 0
  fi
  [ -f "$inittab.ember.bak" ] || cp "$inittab" "$inittab.ember.bak"
  tmp="$(mktemp)"
  awk -v line="$line" '
    /^tty1::/ { if (!done) print line; done = 1; next }
    { print }
    END { if (!done) print line }
  ' "$inittab" >"$tmp"
  cat "$tmp" >"$inittab"
  rm -f "$tmp"
}

ensure_scripts_exec() {
  run chmod +x "$REPO_ROOT/scripts/ember_dev_run.sh" "$REPO_ROOT/scripts/tmux_pane.sh"
}

build_ember() {
  if [ -n "${EMBER_SKIP_BUILD:-}" ]; then
    log "EMBER_SKIP_BUILD set; not building ember-repl"
    return 0
  fi
  log "building ember-repl (release; the first build compiles llama.cpp)"
  rustflags="${RUSTFLAGS:-} ${EMBER_RUSTFLAGS--C target-cpu=native}"
  run env RUSTFLAGS="${rustflags# }" cargo build --release --locked -p ember-repl \
    --target-dir "$REPO_ROOT/target/native" --manifest-path "$REPO_ROOT/Cargo.toml"
  run mkdir -p "$(at /usr/local/bin)"
  run ln -sf "$EMBER_BIN" "$(at /usr/local/bin/ember-repl)"
  run mkdir -p "$(at "$LLAMA_DIR")"
  if [ -z "$EMBER_ROOT" ]; then
    # The operator runs the REPL and rebuilds from this checkout.
    run chown -R "$EMBER_USER:$EMBER_USER" "$REPO_ROOT"
  fi
}

download_model() {
  if [ -z "$MODEL_URL" ]; then
    log "EMBER_MODEL_URL is empty; no model download"
    return 0
  fi
  dest="$(at "$MODEL_PATH")"
  if [ -f "$dest" ]; then
    log "model present: $MODEL_PATH"
    return 0
  fi
  log "downloading $MODEL_URL (resumable: $MODEL_PATH.part)"
  if command -v curl >/dev/null 2>&1; then
    run curl -L --fail --retry 3 -C - -o "$dest.part" "$MODEL_URL" ||
      fatal "download failed; re-run to resume from $MODEL_PATH.part"
  elif command -v wget >/dev/null 2>&1; then
    run wget -c -O "$dest.part" "$MODEL_URL" ||
      fatal "download failed; re-run to resume from $MODEL_PATH.part"
  else
    fatal "neither curl nor wget is available to download the model"
  fi
  run mv "$dest.part" "$dest"
  run chown "$EMBER_USER:$EMBER_USER" "$dest"
}

prune_packages() {
  [ -n "$APK_PRUNE" ] || return 0
  log "removing packages: $APK_PRUNE"
  # shellcheck disable=SC2086 # the package list is split on purpose
  run apk del $APK_PRUNE || log "warning: apk del failed"
}

main() {
  [ -n "$DRY_RUN" ] && log "dry run: nothing is changed"
  require_root
  ensure_alpine
  apk_bootstrap
  ensure_user
  ensure_dirs
  install_dotfiles
  install_service
  configure_autologin
  ensure_scripts_exec
  build_ember
  download_model
  prune_packages
  log "done. Reboot (or restart tty1) for autologin; log in with EMBER_SKIP_AUTO_TMUX=1 for a plain shell."
  log "ember-repl: $EMBER_BIN; model: $MODEL_PATH; vault: $VAULT_DIR"
}

main
