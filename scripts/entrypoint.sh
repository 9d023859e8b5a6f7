#!/usr/bin/env bash
# Container entrypoint: log Codex in with the API key from the environment, then run
# `codexmcp "$@"` when the first argument is a codexmcp subcommand (`batch`, `mcp-server`,
# `doctor`, ...), and `codexmcp exec "$@"` otherwise (a prompt). The key may be quoted (as in many .env files); the quotes are stripped.
# It is handed to `codex login --with-api-key` on stdin, never on a command line.
set -euo pipefail

key="${OPENAI_API_KEY:-${CODEX_API_KEY:-}}"
key="${key#\"}"; key="${key%\"}"
key="${key#\'}"; key="${key%\'}"
if [ -z "${key//[[:space:]]/}" ]; then
  echo "entrypoint: no API key. Pass one at run time: docker run -e OPENAI_API_KEY=sk-... (never bake it into the image)" >&2
  exit 2
fi
export OPENAI_API_KEY="$key"

codex_bin="${CODEX_BIN:-codex}"
: "${CODEX_HOME:?entrypoint: CODEX_HOME must be set (the image sets /app/.codex)}"
mkdir -p "$CODEX_HOME"
if ! printf '%s' "$key" | "$codex_bin" login --with-api-key >/dev/null 2>"$CODEX_HOME/login.err"; then
  echo "entrypoint: codex login failed:" >&2
  cat "$CODEX_HOME/login.err" >&2
  exit 1
fi
rm -f "$CODEX_HOME/login.err"
chmod 600 "$CODEX_HOME/auth.json" 2>/dev/null || true

case "${1:-}" in
  exec|batch|mcp-server|doctor|sessions|review|fork|compact|undo|redo|diff|export|skills|completions|man)
    exec "${CODEXMCP_BIN:-codexmcp}" "$@" ;;
  *)
    exec "${CODEXMCP_BIN:-codexmcp}" exec "$@" ;;
esac
