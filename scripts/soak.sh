#!/usr/bin/env bash
# Soak test of `codexmcp mcp-server`: does it stay clean and flat over many turns, with
# interrupts and clients that vanish mid-turn?
#
#   - a stand-in Codex (scripts/soak-codex) plays one `codex exec --json` turn per run: about
#     half a second of events while a long-lived command runs in its own session; on SIGINT it
#     exits at once and leaves that command for codexmcp to reap;
#   - one long-lived `codexmcp mcp-server`, driven with the official Python MCP SDK
#     (scripts/soak.py), serves a random mix of turns: `codex` calls, `codex-reply` follow-ups
#     on earlier threads, and calls cancelled mid-turn (the SDK sends notifications/cancelled),
#     up to SOAK_PARALLEL at once;
#   - the rest are client disconnects: a server of its own per turn, whose client closes stdin
#     (or dies, closing both pipes) mid-turn; that server must exit by itself, leaving nothing.
# Prints the long-lived server's open fds and RSS over time (first/last/max, sampled every
# SOAK_SAMPLE_EVERY turns), the turns of each kind, how the stand-in runs ended, anything that
# went wrong, and the processes of the run still alive at the end (found by a marker in their
# environment, and as orphans re-parented to the driver). Goal: 0 processes left, flat fds and
# RSS. Exits 1 on a process left, a dead or hung server, or a wrong reply.
#
# SOAK_TURNS (default 200), SOAK_SEED (1), SOAK_PARALLEL (3), SOAK_SAMPLE_EVERY (10);
# SOAK_KEEP=1 keeps the work dir (logs, the stand-in's record) for a look afterwards;
# CODEXMCP_BIN is the binary under test (default: the release build, built here first).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ -z "${CODEXMCP_BIN:-}" ]; then
    cargo build --release --quiet --bin codexmcp
fi
BIN="${CODEXMCP_BIN:-$ROOT/target/release/codexmcp}"
[ -x "$BIN" ] || { echo "soak: no codexmcp binary at $BIN (set CODEXMCP_BIN)" >&2; exit 2; }
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet -r scripts/requirements-test.txt
fi
mkdir -p target
WORK="$(mktemp -d "$ROOT/target/soak.XXXXXX")"
if [ -n "${SOAK_KEEP:-}" ]; then
    trap 'echo "soak: work dir kept: $WORK" >&2' EXIT
else
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK/home" "$WORK/project"
# A custom provider satisfies the credential pre-check: no key anywhere.
printf 'model_provider = "standin"\n' > "$WORK/home/config.toml"
.venv/bin/python scripts/soak.py "$BIN" "$ROOT/scripts/soak-codex" "$WORK"
