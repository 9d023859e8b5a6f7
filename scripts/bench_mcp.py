"""Benchmarks of `codexmcp mcp-server` (run by scripts/bench-mcp.sh, which sets the scene).

    python3 bench_mcp.py RUNS CODEX CODEXMCP STANDIN WORK [follow-ups|cold|transports]...

1. follow-ups: `codex-reply` through a long-lived server with default flags vs a bare
   `codex exec resume` of the same thread, interleaved (goal <= 0.25x);
2. cold: a fresh server's first `codex` call (server start to result) vs a bare `codex exec`,
   paired (goal <= 1.05x);
3. HTTP vs stdio on the stand-in Codex: 8 concurrent clients x 10 calls each, latency
   percentiles and the p99 HTTP adds; the server's RSS over 1,000 calls (flat).
Prints medians and ratios; exits non-zero when a call fails.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

RUNS, CODEX, CODEXMCP, STANDIN, WORK = sys.argv[1:6]
RUNS = int(RUNS)
OUT = f"{WORK}/out"
ENV = dict(os.environ, CODEX_HOME=f"{WORK}/home", XDG_DATA_HOME=f"{WORK}/data",
           XDG_STATE_HOME=f"{WORK}/state", XDG_CONFIG_HOME=f"{WORK}/config", CODEX_BIN=CODEX,
           NO_COLOR="1")
for key in ("OPENAI_API_KEY", "CODEX_API_KEY"):
    ENV.pop(key, None)


class Stdio:
    """A minimal MCP client over a child's stdio: one request at a time."""

    def __init__(self, cmd, env=ENV):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env)
        self.next = 0

    def request(self, method, params):
        self.next += 1
        self.send({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params})
        while True:
            line = self.proc.stdout.readline()
            if not line:
                sys.exit(f"the server closed its output during {method}")
            msg = json.loads(line)
            if msg.get("id") == self.next and "method" not in msg:
                if "error" in msg:
                    sys.exit(f"{method}: {msg['error']}")
                return msg["result"]

    def send(self, msg):
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")
        self.proc.stdin.flush()

    def initialize(self):
        self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                    "clientInfo": {"name": "bench", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def call(self, tool, args):
        result = self.request("tools/call", {"name": tool, "arguments": args})
        if result.get("isError"):
            sys.exit(f"{tool} failed: {result}")
        return result["structuredContent"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def timed(f, *args):
    t0 = time.perf_counter()
    out = f(*args)
    return time.perf_counter() - t0, out


def bare(args):
    p = subprocess.run([CODEX, "exec", "--json", "-s", "workspace-write", "-C", OUT,
                        "--skip-git-repo-check", *args], input=b"go on", env=ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if p.returncode != 0 or b"turn.completed" not in p.stdout:
        sys.exit(f"bare codex exec {args} failed ({p.returncode})")
    return json.loads(p.stdout.splitlines()[0])["thread_id"]


def ms(xs):
    return f"median {statistics.median(xs) * 1000:7.1f} ms (min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f})"


def follow_ups():
    """Each variant's server serves one thread; every follow-up is paired with a bare resume."""
    variants = {"default flags": [], "--hold-threads": ["--hold-threads"]}
    servers, threads, ours = {}, {}, {name: [] for name in variants}
    for name, flags in variants.items():
        servers[name] = Stdio([CODEXMCP, "mcp-server", *flags])
        servers[name].initialize()
        threads[name] = servers[name].call("codex", {"prompt": "start", "cwd": OUT})["threadId"]
        servers[name].call("codex-reply", {"threadId": threads[name], "prompt": "warm up"})
    own = bare(["-"])  # the bare resumes continue a thread of their own: a held one is not free
    theirs = []
    for _ in range(max(RUNS, 8)):
        for name in variants:
            time.sleep(0.5)  # a host's model thinks between calls; the next server gets ready
            args = {"threadId": threads[name], "prompt": "go on"}
            ours[name].append(timed(servers[name].call, "codex-reply", args)[0])
        theirs.append(timed(bare, ["resume", own, "-"])[0])
    for server in servers.values():
        server.close()
    print(f"codex exec resume (bare)                 : {ms(theirs)}")
    for name, xs in ours.items():
        print(f"codex-reply, long-lived, {name:15} : {ms(xs)}")
        print(f"  ratio                                  : {statistics.median(xs) / statistics.median(theirs):.3f}x  (goal <= 0.25x)")


def cold():
    def first_call():
        server = Stdio([CODEXMCP, "mcp-server"])
        server.initialize()
        server.call("codex", {"prompt": "start", "cwd": OUT})
        return server

    ours, theirs, exits = [], [], []
    bare(["-"])
    first_call().close()
    for _ in range(RUNS):
        t0 = time.perf_counter()
        server = first_call()
        ours.append(time.perf_counter() - t0)
        server.close()
        exits.append(time.perf_counter() - t0)
        theirs.append(timed(bare, ["-"])[0])
    print(f"codex exec (bare, whole process)         : {ms(theirs)}")
    print(f"fresh mcp-server: start → first result   : {ms(ours)}")
    print(f"  ratio                                  : {statistics.median(ours) / statistics.median(theirs):.3f}x  (goal <= 1.05x)")
    print(f"fresh mcp-server: start → exit after it  : {ms(exits)}")


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def load(session_for, clients=8, calls=10):
    """`clients` sessions at once, `calls` sequential `codex` calls each: every latency."""
    latencies = []

    async def one(n):
        async with session_for() as session:
            for i in range(calls):
                t0 = time.perf_counter()
                r = await session.call_tool("codex", {"prompt": f"client {n} call {i}", "cwd": OUT})
                latencies.append(time.perf_counter() - t0)
                if getattr(r, "is_error", None) or getattr(r, "isError", None):
                    sys.exit(f"client {n} call {i} failed: {r.content}")

    await asyncio.gather(*(one(n) for n in range(clients)))
    return latencies


def transports():
    from contextlib import asynccontextmanager

    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

    env = dict(ENV, CODEX_BIN=STANDIN, STANDIN_EVENTS=f"{WORK}/standin.jsonl",
               CODEXMCP_TOKEN="bench-token-0123456789")
    args = ["mcp-server", "--backend", "exec"]

    @asynccontextmanager
    async def over_stdio():
        params = StdioServerParameters(command=CODEXMCP, args=args, env=env)
        async with stdio_client(params) as (r, w), ClientSession(r, w) as s:
            await s.initialize()
            yield s

    http = subprocess.Popen([CODEXMCP, *args, "--listen", "127.0.0.1:0", "--token-env", "CODEXMCP_TOKEN"],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = None
    for line in http.stderr:
        if "listening on " in line:
            url = line.split("listening on ", 1)[1].strip()
            break
    if url is None:
        sys.exit("the HTTP server did not say where it listens")

    @asynccontextmanager
    async def over_http():
        client = create_mcp_http_client(headers={"Authorization": "Bearer bench-token-0123456789"})
        async with client, streamable_http_client(url, http_client=client) as (r, w, *_), ClientSession(r, w) as s:
            await s.initialize()
            yield s

    def rss():
        with open(f"/proc/{http.pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024

    async def run():
        await load(over_stdio, 1, 2)
        await load(over_http, 1, 2)
        stdio = await load(over_stdio)
        web = await load(over_http)
        for name, xs in (("stdio", stdio), ("HTTP ", web)):
            print(f"8 clients x 10 calls, {name}    : p50 {percentile(xs, 50) * 1000:6.1f} ms, "
                  f"p99 {percentile(xs, 99) * 1000:6.1f} ms, all {len(xs)} succeeded")
        print(f"  HTTP adds at p99               : {(percentile(web, 99) - percentile(stdio, 99)) * 1000:+.1f} ms")
        samples = [rss()]
        for _ in range(10):
            await load(over_http, 4, 25)
            samples.append(rss())
        print("server RSS per 100 calls (MB)  : " + " ".join(f"{s:.1f}" for s in samples))

    asyncio.run(run())
    http.terminate()
    http.wait(timeout=30)


parts = sys.argv[6:] or ["follow-ups", "cold", "transports"]
for part in parts:
    {"follow-ups": follow_ups, "cold": cold, "transports": transports}[part]()
