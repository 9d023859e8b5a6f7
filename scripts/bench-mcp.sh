#!/usr/bin/env bash
# `codexmcp mcp-server` (issue #23), against the scripted model server and the real Codex 0.171
# (no network, no key), and against the stand-in Codex for the transports:
#   - codex-reply through a long-lived server with default flags vs bare `codex exec resume`
#   - a fresh server's first `codex` call vs bare `codex exec`
#   - 8 concurrent clients x 10 calls over HTTP and over stdio; RSS over 1,000 HTTP calls
# Medians of BENCH_RUNS (default 10) runs; the driver is scripts/bench_mcp.py. Arguments pick
# parts: follow-ups, cold, transports (default all).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS="${BENCH_RUNS:-10}"
CODEX="$(scripts/install-codex.sh 0.171.0 | sed -n 's/^codex 0.171.0: \([^ ]*\).*/\1/p')"
cargo build --release --quiet --bin codexmcp --example mock_server
PYTHON="$ROOT/.venv/bin/python3"
[ -x "$PYTHON" ] || { echo "bench-mcp: run scripts/test.sh once first (it makes .venv with the MCP SDK)" >&2; exit 1; }
WORK="$(mktemp -d "$ROOT/target/bench-mcp.XXXXXX")"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

target/release/examples/mock_server 0 message > "$WORK/url" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$WORK/url" ] && break; sleep 0.1; done
mkdir -p "$WORK/home" "$WORK/out"
cat > "$WORK/home/config.toml" <<TOML
model = "mock-model"
model_provider = "mock"
[model_providers.mock]
name = "mock"
base_url = "$(cat "$WORK/url")"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
TOML
cat > "$WORK/standin.jsonl" <<'JSONL'
{"type":"thread.started","thread_id":"@THREAD@"}
{"type":"turn.started"}
{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"done"}}
{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,"output_tokens":1}}
JSONL
STANDIN_FRESH_THREAD=1 "$PYTHON" scripts/bench_mcp.py "$RUNS" "$CODEX" "$ROOT/target/release/codexmcp" \
  "$ROOT/scripts/standin-codex" "$WORK" "$@"
