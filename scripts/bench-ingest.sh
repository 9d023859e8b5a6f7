#!/usr/bin/env bash
# Ingest benchmark: how fast does `codexmcp exec --json` take in a Codex event stream, and at
# what CPU cost per event, compared with a plain reader of the same stream?
#
#   - a stand-in Codex (scripts/standin-codex) answers `--version`, reads the prompt to EOF
#     like `codex exec`, then writes N pregenerated JSONL events as fast as they are read;
#   - codexmcp runs one turn against it (`exec --json`, its output read through a pipe): the
#     session parses, sanitises, records (the session log) and prints every event;
#   - the plain reader reads the same stream and decodes each line as JSON (Python), no more.
# Prints events/s of both, the time ratio, and codexmcp's own CPU µs per event (its rusage,
# less the stand-in's). Goals (issue #10): <= 1.2x the plain reader, <= 5 µs CPU per event.
# BENCH_EVENTS (default 50000) and BENCH_RUNS (default 5) set the size; CODEXMCP_BENCH_BIN
# measures another build (e.g. an older commit's) against the same stream.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
EVENTS="${BENCH_EVENTS:-50000}"
RUNS="${BENCH_RUNS:-5}"
cargo build --release --quiet --bin codexmcp
WORK="$(mktemp -d "$ROOT/target/bench-ingest.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
python3 scripts/gen-events.py "$EVENTS" "$WORK/events.jsonl"
export STANDIN_EVENTS="$WORK/events.jsonl"
mkdir -p "$WORK/home" "$WORK/out"
# A custom provider satisfies the credential pre-check: no key anywhere.
printf 'model_provider = "standin"\n' > "$WORK/home/config.toml"

python3 - "$RUNS" "$EVENTS" "${CODEXMCP_BENCH_BIN:-$ROOT/target/release/codexmcp}" "$WORK" "$ROOT/scripts/standin-codex" <<'PY'
import os, statistics, subprocess, sys, time
runs, events, codexmcp, work, standin = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
env = dict(os.environ, CODEX_HOME=f"{work}/home", XDG_DATA_HOME=f"{work}/data", XDG_STATE_HOME=f"{work}/state",
           XDG_CONFIG_HOME=f"{work}/config", XDG_CACHE_HOME=f"{work}/cache", CODEX_BIN=standin, NO_COLOR="1")
for k in ("OPENAI_API_KEY", "CODEX_API_KEY", "CODEXMCP_CONFIG"):
    env.pop(k, None)
reader = "import json, sys\nn = 0\nfor line in sys.stdin.buffer:\n    json.loads(line); n += 1\nprint(n)"

def timed(cmd, **kw):
    """Wall seconds and the CPU seconds of the process and the children it waited for."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, **kw)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out[-2000:].decode(errors='replace')}")
    return wall, ru.ru_utime + ru.ru_stime, out

def standin_alone():
    return timed(["sh", "-c", f"echo x | {standin} exec --json -"])

def plain():
    return timed(["sh", "-c", f"echo x | {standin} exec --json - | python3 -c '{reader}'"])

def ours():
    wall, cpu, out = timed([codexmcp, "exec", "--json", "-C", f"{work}/out", "go"], stdin=subprocess.DEVNULL)
    lines = out.count(b"\n")
    if lines < events:
        sys.exit(f"codexmcp printed {lines} lines for {events} events")
    return wall, cpu

ours(); plain()  # warm caches (and the version probe cache)
cat_cpu = statistics.median(standin_alone()[1] for _ in range(runs))
w_plain, w_ours, cpu_ours = [], [], []
for _ in range(runs):
    w_plain.append(plain()[0])
    w, c = ours(); w_ours.append(w); cpu_ours.append(c - cat_cpu)
mp, mo, mc = statistics.median(w_plain), statistics.median(w_ours), statistics.median(cpu_ours)
print(f"events per run            : {events} ({runs} runs, medians)")
print(f"plain reader (json.loads) : {mp*1000:7.1f} ms  {events/mp:9.0f} events/s")
print(f"codexmcp exec --json      : {mo*1000:7.1f} ms  {events/mo:9.0f} events/s")
print(f"time ratio                : {mo/mp:.2f}x   (goal <= 1.2x)")
print(f"codexmcp CPU per event    : {mc/events*1e6:.2f} µs   (goal <= 5 µs; process start included)")
PY
