#!/bin/sh
# default-command of Ember's tmux: every new pane/window starts in ember-repl;
# leaving the REPL (/quit, Ctrl-D, or a crash) drops to a normal shell in the
# same pane and says how the REPL ended.
#
# Environment:
#   EMBER_SKIP_AUTO_REPL  non-empty (and not 0): plain shell, no REPL. tmux
#                         windows do not inherit the calling shell's env, so
#                         pass it with `tmux new-window -e EMBER_SKIP_AUTO_REPL=1`
#                         (or prefix + S with templates/tmux.conf).
#   EMBER_BIN             ember-repl to run (default: EMBER_REPO_DIR's release
#                         build, this checkout's, then `ember-repl` on PATH)
#   EMBER_REPO_DIR        Ember home; the REPL starts there when it exists
#   EMBER_PANE_SHELL      fallback shell (default: zsh, else $SHELL, else sh)

SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

say() {
  printf '[tmux-pane] %s\n' "$*"
}

pick_shell() {
  if [ -n "${EMBER_PANE_SHELL:-}" ]; then
    printf '%s\n' "$EMBER_PANE_SHELL"
  elif command -v zsh >/dev/null 2>&1; then
    command -v zsh
  elif [ -n "${SHELL:-}" ] && [ -x "$SHELL" ] && [ "$SHELL" != "$0" ]; then
    printf '%s\n' "$SHELL"
  else
    printf '/bin/sh\n'
  fi
}

find_bin() {
  if [ -n "${EMBER_BIN:-}" ]; then
    command -v "$EMBER_BIN" 2>/dev/null
    return
  fi
  for candidate in "${EMBER_REPO_DIR:-$REPO_ROOT}/target/native/release/ember-repl" \
    "${EMBER_REPO_DIR:-$REPO_ROOT}/target/release/ember-repl" \
    "$REPO_ROOT/target/native/release/ember-repl" "$REPO_ROOT/target/release/ember-repl"; do
    if [ -x "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  command -v ember-repl 2>/dev/null
}

fallback_shell="$(pick_shell)"

case "${EMBER_SKIP_AUTO_REPL:-}" in
  "" | 0) ;;
  *) exec "$fallback_shell" ;;
esac

if ! bin="$(find_bin)" || [ -z "$bin" ]; then
  say "ember-repl not found (set EMBER_BIN or run make build-ember); opening $fallback_shell" >&2
  exec "$fallback_shell"
fi

if [ -n "${EMBER_REPO_DIR:-}" ] && [ -d "$EMBER_REPO_DIR" ]; then
  cd "$EMBER_REPO_DIR" || true
fi

"$bin"
status=$?
say "ember-repl exited with status $status; opening $fallback_shell (type exit to close the pane)"
exec "$fallback_shell"
