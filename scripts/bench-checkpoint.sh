#!/usr/bin/env bash
# Checkpoints at git's speed (issue #25): a whole `codexmcp exec --json` turn, with a stand-in
# Codex that answers at once (so only codexmcp's own work is timed), against
# `git status --porcelain` of the same committed tree, run in turn, median of BENCH_RUNS
# (default 10) pairs:
#   - an unchanged tree of 10,000 and of 100,000 files (100 per folder)
#   - the 100,000-file tree with 10 files changed before each run
#   - the first checkpoint ever of each tree, and codexmcp's peak RSS
# Prints the table the README's benchmarks section quotes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS="${BENCH_RUNS:-10}"
cargo build --release --quiet --bin codexmcp
WORK="$(mktemp -d "$ROOT/target/bench-checkpoint.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

python3 - "$RUNS" "$ROOT/target/release/codexmcp" "$ROOT/scripts/standin-codex" "$WORK" <<'PY'
import os, statistics, subprocess, sys, time
runs, codexmcp, standin, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
os.makedirs(f"{work}/home")
with open(f"{work}/home/config.toml", "w") as f:
    f.write('model = "m"\nmodel_provider = "mock"\n[model_providers.mock]\nname = "mock"\n'
            'base_url = "http://127.0.0.1:9/v1"\nwire_api = "responses"\n')
with open(f"{work}/events.jsonl", "w") as f:
    f.write('{"type":"thread.started","thread_id":"01a2112e-cb31-7fd3-b664-466522ce36c8"}\n'
            '{"type":"turn.started"}\n'
            '{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,"output_tokens":1}}\n')
env = dict(os.environ, CODEX_HOME=f"{work}/home", XDG_DATA_HOME=f"{work}/data", XDG_STATE_HOME=f"{work}/state",
           XDG_CONFIG_HOME=f"{work}/config", CODEX_BIN=standin, STANDIN_EVENTS=f"{work}/events.jsonl", NO_COLOR="1",
           GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com")
for k in ("OPENAI_API_KEY", "CODEX_API_KEY"):
    env.pop(k, None)

def tree(n):
    root = f"{work}/t{n}"
    for i in range(n):
        d = f"{root}/d{i // 100}"
        if i % 100 == 0:
            os.makedirs(d)
        with open(f"{d}/f{i}.txt", "w") as f:
            f.write(f"line one of {i}\nline two\n")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "tree"]):
        subprocess.run(cmd, cwd=root, env=env, check=True)
    return root

def peak(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def timed(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    top = 0
    while p.poll() is None:
        top = max(top, peak(p.pid))
        time.sleep(0.001)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}")
    return time.perf_counter() - t0, top

def pairs(root, touch=None):
    ours = [codexmcp, "exec", "--json", "-C", root, "checkpoint me"]
    git = ["git", "-C", root, "status", "--porcelain"]
    a, b, rss = [], [], []
    for i in range(runs):
        if touch:
            touch(i)
        w, m = timed(ours); a.append(w); rss.append(m)
        b.append(timed(git)[0])
    return statistics.median(a), statistics.median(b), max(rss)

print(f"checkpoints vs git status (median of {runs} paired runs; ms)")
print(f"{'tree':<34}{'codexmcp exec':>14}{'git status':>12}{'ratio':>8}{'peak RSS':>11}")
for n in (10_000, 100_000):
    root = tree(n)
    time.sleep(2.1)  # an idle tree: older than the racy window when it is first recorded
    first, top = timed([codexmcp, "exec", "--json", "-C", root, "first"])
    print(f"{f'{n:,} files, first checkpoint ever':<34}{first*1000:>14.0f}{'':>12}{'':>8}{top/1024:>9.1f} MB")
    a, b, rss = pairs(root)
    print(f"{f'{n:,} files, unchanged':<34}{a*1000:>14.1f}{b*1000:>12.1f}{a/b:>7.2f}x{rss/1024:>9.1f} MB")
    if n == 100_000:
        def touch(i):
            for k in range(10):
                j = (k * n // 10 + i) % n
                with open(f"{root}/d{j // 100}/f{j}.txt", "a") as f:
                    f.write(f"changed in run {i}\n")
        a, b, rss = pairs(root, touch)
        print(f"{f'{n:,} files, 10 changed':<34}{a*1000:>14.1f}{b*1000:>12.1f}{a/b:>7.2f}x{rss/1024:>9.1f} MB")
PY
