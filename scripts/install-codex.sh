#!/usr/bin/env bash
# Install the pinned Codex CLI versions from the npm registry into a git-ignored
# project folder (.codex-cli/<version>). Idempotent: a version that is already
# installed costs one `test -x`. Prints where the native binaries are.
#
#   0.171.0  the current CLI: `codex exec --json`, `codex app-server`
#   0.169.0  the one before, for the version matrix (a smoke subset of the suite)
#   0.153.0  the last CLI with `codex mcp-server` (removed in 0.154)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${CODEXMCP_CODEX_DIR:-$ROOT/.codex-cli}"
VERSIONS=("${@:-0.171.0 0.169.0 0.153.0}")
# shellcheck disable=SC2206
VERSIONS=(${VERSIONS[*]})

case "$(uname -m)" in
  x86_64 | amd64) triple=x86_64-unknown-linux-musl; pkg_arch=x64 ;;
  aarch64 | arm64) triple=aarch64-unknown-linux-musl; pkg_arch=arm64 ;;
  *) echo "install-codex: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

command -v npm >/dev/null || { echo "install-codex: npm not found; install Node.js 20+ first" >&2; exit 1; }

native_bin() { # $1 = install dir
  local base="$1/node_modules/@openai/codex-linux-$pkg_arch/vendor/$triple"
  for candidate in "$base/bin/codex" "$base/codex/codex"; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  # older packages ship the vendor folder inside @openai/codex itself
  for candidate in "$1/node_modules/@openai/codex/vendor/$triple/codex/codex" "$1/node_modules/@openai/codex/vendor/$triple/bin/codex"; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

for version in "${VERSIONS[@]}"; do
  dir="$DEST/$version"
  if bin="$(native_bin "$dir")" && "$bin" --version 2>/dev/null | grep -q "$version"; then
    echo "codex $version: $bin (already installed)"
    continue
  fi
  mkdir -p "$dir"
  echo "codex $version: installing from the npm registry into $dir" >&2
  (cd "$dir" && [ -f package.json ] || echo '{"private":true}' > "$dir/package.json")
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "@openai/codex@$version" >&2
  bin="$(native_bin "$dir")" || { echo "install-codex: native binary for $version not found under $dir" >&2; exit 1; }
  echo "codex $version: $bin"
done
