#!/usr/bin/env bash
# Batch benchmark: `codexmcp batch` against a stand-in Codex whose every turn takes a fixed
# time (scripts/standin-codex with STANDIN_SLEEP; no model, no network), so what is measured is
# codexmcp's own cost of running many tasks:
#   1. wall time of 40 tasks with --jobs 4 against 40 / 4 x one task's time (goal: <= 1.1x);
#   2. codexmcp's own RSS (its Codex children not counted) with 8 tasks running (goal: <= 30 MB);
#   3. progress redraws per second on a terminal (a pty; goal: <= 10/s).
# BENCH_TURN (seconds, default 1) sets the turn's length, BENCH_RUNS (default 3) the runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TURN="${BENCH_TURN:-1}"
RUNS="${BENCH_RUNS:-3}"
cargo build --release --quiet --bin codexmcp
WORK="$(mktemp -d "$ROOT/target/bench-batch.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home"
# A custom provider satisfies the credential pre-check: no key anywhere.
printf 'model_provider = "standin"\n' > "$WORK/home/config.toml"
cat > "$WORK/events.jsonl" <<'JSONL'
{"type":"thread.started","thread_id":"@THREAD@"}
{"type":"turn.started"}
{"type":"item.started","item":{"id":"item_0","type":"command_execution","command":"bash -lc make","aggregated_output":"","status":"in_progress"}}
{"type":"item.completed","item":{"id":"item_0","type":"command_execution","command":"bash -lc make","aggregated_output":"ok\n","exit_code":0,"status":"completed"}}
{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"done"}}
{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":0,"output_tokens":50}}
JSONL

python3 - "$RUNS" "$TURN" "$ROOT/target/release/codexmcp" "$WORK" "$ROOT/scripts/standin-codex" <<'PY'
import json, os, pty, select, statistics, subprocess, sys, threading, time
runs, turn, codexmcp, work, standin = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
env = dict(os.environ, CODEX_HOME=f"{work}/home", XDG_DATA_HOME=f"{work}/data", XDG_STATE_HOME=f"{work}/state",
           XDG_CONFIG_HOME=f"{work}/config", CODEX_BIN=standin, STANDIN_EVENTS=f"{work}/events.jsonl",
           STANDIN_FRESH_THREAD="1", STANDIN_SLEEP=str(turn), NO_COLOR="1")
for k in ("OPENAI_API_KEY", "CODEX_API_KEY", "CODEXMCP_CONFIG"):
    env.pop(k, None)
n = 0

def tasks(count):
    global n
    n += 1
    path = f"{work}/tasks-{n}.jsonl"
    with open(path, "w") as f:
        for i in range(count):
            f.write(json.dumps({"id": f"t{i}", "prompt": f"task {i}"}) + "\n")
    return path, f"{work}/out-{n}"

def batch(count, jobs):
    path, out = tasks(count)
    t0 = time.perf_counter()
    p = subprocess.run([codexmcp, "batch", path, "--jobs", str(jobs), "--out", out], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"batch failed ({p.returncode}): {p.stdout.decode()[-2000:]}{p.stderr.decode()[-2000:]}")
    return wall

one = statistics.median(batch(1, 1) for _ in range(runs))
forty = statistics.median(batch(40, 4) for _ in range(runs))
ideal = 40 / 4 * one
print(f"one task: {one:.3f} s (the turn itself: {turn:.3f} s)")
print(f"40 tasks, --jobs 4: {forty:.3f} s, ideal 40/4 x one task = {ideal:.3f} s: {forty / ideal:.3f}x (goal <= 1.1x)")

# RSS of codexmcp itself while 8 tasks run (its children are other processes).
env8 = dict(env, STANDIN_SLEEP=str(max(turn, 3.0)))
path, out = tasks(8)
p = subprocess.Popen([codexmcp, "batch", path, "--jobs", "8", "--out", out], env=env8,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
peak = 0
while p.poll() is None:
    try:
        with open(f"/proc/{p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    peak = max(peak, int(line.split()[1]))
    except FileNotFoundError:
        break
    time.sleep(0.05)
print(f"codexmcp RSS with 8 tasks running: {peak / 1024:.1f} MB (goal <= 30 MB)")

# Redraws on a terminal: bursts of output at least 20 ms apart, per second.
path, out = tasks(8)
pid, fd = pty.fork()
if pid == 0:
    os.execve(codexmcp, [codexmcp, "batch", path, "--jobs", "4", "--out", out], env8)
bursts, last, t0 = 0, 0.0, time.perf_counter()
while True:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not r:
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
        continue
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    now = time.perf_counter()
    if now - last > 0.02:
        bursts += 1
    last = now
elapsed = time.perf_counter() - t0
try:
    os.waitpid(pid, 0)
except ChildProcessError:
    pass
print(f"progress redraws: {bursts / elapsed:.1f}/s over {elapsed:.1f} s (goal <= 10/s)")
PY
