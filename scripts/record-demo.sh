#!/usr/bin/env bash
# Records the pictures at the top of the README from a real `codexmcp demo` run — never
# hand-edited, regenerate them with this script:
#
#   assets/demo.svg        the whole session, animated: the suggested prompt sent, Codex building a snake game
#                          (events, the file tree filling in), a follow-up that edits it
#   assets/screenshot.svg  one frame of it, mid-session, once the game is built
#
# How: tmux gives asciinema (Debian package) a 120x32 terminal in which it records the
# release binary's `codexmcp demo` — the real Codex against the scripted model on 127.0.0.1,
# no key — while this script types into it like a person; svg-term-cli (npm) renders the
# recording. Installs what is missing (asciinema with apt, svg-term-cli into
# target/record-tools). CODEXMCP_BIN records another build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COLS=120 ROWS=32

if [ -z "${CODEXMCP_BIN:-}" ]; then
    cargo build --release --quiet --bin codexmcp
fi
BIN="${CODEXMCP_BIN:-$ROOT/target/release/codexmcp}"
scripts/install-codex.sh >/dev/null
if ! command -v asciinema >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq asciinema
fi
TOOLS="$ROOT/target/record-tools"
if [ ! -x "$TOOLS/node_modules/.bin/svg-term" ]; then
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --silent svg-term-cli@2.1.1
fi

WORK="$(mktemp -d "$ROOT/target/record-demo.XXXXXX")"
SOCK="codexmcp-record-$$"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/data" "$WORK/state" "$WORK/config" "$WORK/cache"
CAST="$WORK/demo.cast"

screen() { tmux -L "$SOCK" capture-pane -p -t rec; }
wait_for() { # text, seconds
    for _ in $(seq $(($2 * 10))); do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    echo "record-demo: '$1' never appeared" >&2; screen >&2; exit 1
}
type_slowly() {
    local text="$1" i
    for ((i = 0; i < ${#text}; i++)); do
        tmux -L "$SOCK" send-keys -t rec -l "${text:i:1}"
        sleep 0.06
    done
}

# A clean environment: no key, the user's config and sessions untouched.
STARTED="$(date +%s.%N)"
tmux -L "$SOCK" -f /dev/null new-session -d -s rec -x "$COLS" -y "$ROWS" \
    "cd '$WORK' && env -u OPENAI_API_KEY -u CODEX_API_KEY TERM=xterm-256color \
     XDG_DATA_HOME='$WORK/data' XDG_STATE_HOME='$WORK/state' XDG_CONFIG_HOME='$WORK/config' \
     XDG_CACHE_HOME='$WORK/cache' asciinema rec --quiet --overwrite \
     --cols $COLS --rows $ROWS -c '$BIN demo' '$CAST'; sleep 60"
tmux -L "$SOCK" set -g escape-time 0 >/dev/null

wait_for "demo model (scripted, no key)" 30
# The prompt starts with the suggested request: a newcomer only presses Enter.
sleep 2.5
tmux -L "$SOCK" send-keys -t rec Enter
wait_for "I built a small" 90
ANSWERED="$(date +%s.%N)"
sleep 3
type_slowly "Make it faster"
sleep 0.5
tmux -L "$SOCK" send-keys -t rec Enter
wait_for "Done: the snake" 90
sleep 3
type_slowly "/quit"
tmux -L "$SOCK" send-keys -t rec Enter
wait_for "The demo's files are in" 20
sleep 0.5

# The still: a beat after the first answer was on screen (timed from the recording's start).
AT_MS="$(python3 -c "print(int(($ANSWERED - $STARTED + 1.5) * 1000))")"
mkdir -p assets
SVG_TERM="$TOOLS/node_modules/.bin/svg-term"
"$SVG_TERM" --in "$CAST" --out assets/demo.svg --window --width "$COLS" --height "$ROWS"
"$SVG_TERM" --in "$CAST" --out assets/screenshot.svg --window --width "$COLS" --height "$ROWS" \
    --at "$AT_MS"
ls -l assets/demo.svg assets/screenshot.svg
