#!/usr/bin/env bash
# Keep a tmux session (default name `ember`) alive running ember-repl, then
# attach this terminal to it. Safe to run on every login: an existing session
# is reused, never duplicated.
#
# Environment:
#   SESSION             tmux session name (default: ember)
#   APP_DIR             Ember home: docs, models/, prompts (default: this
#                       checkout); exported to the REPL as EMBER_REPO_DIR
#   EMBER_BIN           ember-repl to run (default: APP_DIR's release build,
#                       then this checkout's, then `ember-repl` on PATH)
#   EMBER_TMUX_SOCKET   tmux socket name (`tmux -L`), for a private server
#   EMBER_TMUX_CONF     tmux config for a server this script starts (`tmux -f`)
#   EMBER_NO_ATTACH=1   create/keep the session but do not attach (services,
#                       tests); also implied when stdin is not a terminal
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

APP_DIR="${APP_DIR:-$REPO_ROOT}"
SESSION="${SESSION:-ember}"

die() {
  printf 'ember_dev_run: %s\n' "$*" >&2
  exit 1
}

command -v tmux >/dev/null 2>&1 ||
  die "tmux is required (Alpine: apk add tmux; Debian: apt-get install tmux)"
[ -d "$APP_DIR" ] || die "APP_DIR=$APP_DIR is not a directory"
APP_DIR="$(cd "$APP_DIR" && pwd)"

find_bin() {
  local candidate
  if [ -n "${EMBER_BIN:-}" ]; then
    [ -x "$EMBER_BIN" ] || command -v "$EMBER_BIN" >/dev/null 2>&1 ||
      die "EMBER_BIN=$EMBER_BIN is not an executable"
    command -v "$EMBER_BIN"
    return
  fi
  for candidate in "$APP_DIR/target/native/release/ember-repl" "$APP_DIR/target/release/ember-repl" \
    "$REPO_ROOT/target/native/release/ember-repl" "$REPO_ROOT/target/release/ember-repl"; do
    if [ -x "$candidate" ]; then
      printf '%s\n' "$candidate"
      return
    fi
  done
  command -v ember-repl 2>/dev/null ||
    die "ember-repl not found: set EMBER_BIN, build it (make build-ember), or put it on PATH"
}

EMBER_BIN="$(find_bin)"
# An absolute path, so panes started from another directory still find it.
case "$EMBER_BIN" in
  /*) ;;
  *) EMBER_BIN="$(cd "$(dirname "$EMBER_BIN")" && pwd)/$(basename "$EMBER_BIN")" ;;
esac
export EMBER_BIN
export EMBER_REPO_DIR="$APP_DIR"
export EMBER_SESSION="$SESSION"

tmux_cmd=(tmux)
[ -n "${EMBER_TMUX_SOCKET:-}" ] && tmux_cmd+=(-L "$EMBER_TMUX_SOCKET")
[ -n "${EMBER_TMUX_CONF:-}" ] && tmux_cmd+=(-f "$EMBER_TMUX_CONF")

pane_cmd="$REPO_ROOT/scripts/tmux_pane.sh"

if ! "${tmux_cmd[@]}" has-session -t "=$SESSION" 2>/dev/null; then
  # The session environment (-e) reaches every window of the session, even
  # when the tmux server was already running with another environment.
  "${tmux_cmd[@]}" new-session -d -s "$SESSION" -c "$APP_DIR" \
    -e "EMBER_BIN=$EMBER_BIN" \
    -e "EMBER_REPO_DIR=$APP_DIR" \
    -e "EMBER_SESSION=$SESSION" \
    "$pane_cmd"
  # New windows and panes of this session start in the REPL too, whatever
  # the user's tmux.conf says.
  "${tmux_cmd[@]}" set-option -t "$SESSION" default-command "$pane_cmd" >/dev/null
fi

if [ -n "${EMBER_NO_ATTACH:-}" ] || [ ! -t 0 ] || [ ! -t 1 ]; then
  printf 'ember_dev_run: session %s is running; attach with: tmux attach -t %s\n' \
    "$SESSION" "$SESSION"
  exit 0
fi

if [ -n "${TMUX:-}" ]; then
  exec "${tmux_cmd[@]}" switch-client -t "=$SESSION"
fi
exec "${tmux_cmd[@]}" attach-session -t "=$SESSION"
