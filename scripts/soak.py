"""The soak driver behind scripts/soak.sh, which says what it measures and why.

Usage: soak.py CODEXMCP STAND_IN WORKDIR   (run by soak.sh, with the `mcp` package's Python)
Environment: SOAK_TURNS (200), SOAK_SEED (1), SOAK_SAMPLE_EVERY (10), SOAK_PARALLEL (3).

Every process of the run carries SOAK_RUN=<marker> in its environment (the servers get it,
everything they start inherits it) and SOAK_SERVER=<which server>; this process is a child
subreaper, so orphans of the run are re-parented to it, counted, and reaped.
"""
import ctypes
import json
import os
import random
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.extension import NotificationBinding
from mcp.client.stdio import stdio_client
from pydantic import BaseModel, ConfigDict

TURN_TIMEOUT = 30.0  # a call still running after this has hung (a turn takes ~0.5 s)
SETTLE_TIMEOUT = 5.0  # how long a finished turn's processes may take to go away
EXIT_TIMEOUT = 10.0  # how long a disconnected server may take to exit
DISCONNECT_STEPS = "100"  # a disconnected server's turns run ~8 s: the client leaves mid-turn
BUSY_RETRIES = 50  # 100 ms apart: a thread stays busy while a cancelled turn winds down
KINDS = {"new": 30, "reply": 35, "cancel": 25, "disconnect": 10}  # weights of the mix
DONE_TEXT = "soak turn done"  # the stand-in's final agent message


# --- processes ----------------------------------------------------------------------------

@dataclass
class Proc:
    pid: int
    ppid: int
    state: str
    env: dict
    cmdline: str

    @property
    def server(self) -> str:
        return self.env.get("SOAK_SERVER", "?")

    def __str__(self) -> str:
        return f"pid {self.pid} (server {self.server}, ppid {self.ppid}): {self.cmdline[:160]}"


def read_proc(pid: int) -> Proc | None:
    """The process, or None when it is gone. A zombie has no environment nor command line."""
    def read(name: str) -> bytes:
        try:
            with open(f"/proc/{pid}/{name}", "rb") as f:
                return f.read()
        except OSError:
            return b""

    stat = read("stat").decode(errors="replace")
    if not stat:
        return None
    raw_env = read("environ")
    cmdline = read("cmdline").replace(b"\0", b" ").decode(errors="replace").strip()
    fields = stat[stat.rfind(")") + 2:].split()
    env = dict(v.decode(errors="replace").partition("=")[::2] for v in raw_env.split(b"\0") if v)
    return Proc(pid, int(fields[1]), fields[0], env, cmdline)


def all_procs() -> list[Proc]:
    me = os.getpid()
    procs = (read_proc(int(d)) for d in os.listdir("/proc") if d.isdigit() and int(d) != me)
    return [p for p in procs if p is not None]


def become_subreaper() -> None:
    PR_SET_CHILD_SUBREAPER = 36
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("soak: warning: not a child subreaper; orphans go to PID 1", file=sys.stderr)


def server_stats(pid: int) -> dict | None:
    """Open fds, VmRSS (KiB) and threads of a live process."""
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        with open(f"/proc/{pid}/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return None
    return {"fds": fds, "rss": int(status["VmRSS"].split()[0]), "threads": int(status["Threads"])}


# --- a bare JSON-RPC client, for the servers whose client goes away mid-turn ---------------

class WireError(Exception):
    pass


class Wire:
    """Newline-delimited JSON-RPC over a child's pipes, every read bounded by a deadline."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.fd = proc.stdout.fileno()
        self.buf = b""

    def send(self, msg: dict) -> None:
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")
        self.proc.stdin.flush()

    def next(self, deadline: float) -> dict | None:
        """The next message, or None at EOF."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WireError("no message from the server in time")
            if select.select([self.fd], [], [], left)[0]:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return None
                self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def until(self, wanted, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while (msg := self.next(deadline)) is not None:
            if wanted(msg):
                return msg
        raise WireError("the server closed stdout")

    def drain(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.next(deadline) is not None:
            pass


# --- the soak -------------------------------------------------------------------------------

class CodexEvent(BaseModel):
    model_config = ConfigDict(extra="allow")
    msg: dict = {}


@dataclass
class Turn:
    """One planned tool call: what it is, on which thread, and its random parameters."""
    kind: str  # new, reply, cancel, disconnect
    thread: str | None  # None: a `codex` call starts a thread
    prompt: str
    delay: float = 0.0  # cancel / disconnect: seconds into the turn
    mode: str = ""  # disconnect: stdin-closed or client-killed
    progress: bool = False  # ask for progress notifications
    model: str | None = None  # a `codex` call's model argument

    @property
    def tool(self) -> str:
        return "codex" if self.thread is None else "codex-reply"


@dataclass
class Soak:
    codexmcp: str
    standin: str
    work: str
    turns: int = int(os.environ.get("SOAK_TURNS", "200"))
    seed: int = int(os.environ.get("SOAK_SEED", "1"))
    sample_every: int = int(os.environ.get("SOAK_SAMPLE_EVERY", "10"))
    parallel: int = int(os.environ.get("SOAK_PARALLEL", "3"))
    marker: str = field(default_factory=lambda: uuid.uuid4().hex)
    pool: list = field(default_factory=list)  # threads that can be continued
    counts: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)  # (what, detail): anything a good server avoids
    leftovers: list = field(default_factory=list)  # processes that outlived their turn or server
    samples: list = field(default_factory=list)
    disconnect_exits: list = field(default_factory=list)  # seconds from disconnect to exit
    settle_max: float = 0.0
    direct: set = field(default_factory=set)  # our own children (the servers): never reaped here
    lock: threading.Lock = field(default_factory=threading.Lock)
    server_pid: int | None = None

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    def problem(self, what: str, detail: str) -> None:
        self.problems.append((what, detail))
        self.counts["problem"] += 1

    # environment and processes

    def server_env(self, server: str, steps: str = "4") -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CODEXMCP_") and k not in ("OPENAI_API_KEY", "CODEX_API_KEY", "RUST_LOG")}
        w = self.work
        env.update(CODEX_HOME=f"{w}/home", XDG_DATA_HOME=f"{w}/data", XDG_STATE_HOME=f"{w}/state",
                   XDG_CONFIG_HOME=f"{w}/config", XDG_CACHE_HOME=f"{w}/cache", CODEXMCP_LOG_DIR=f"{w}/logs",
                   CODEX_BIN=self.standin, NO_COLOR="1", SOAK_CODEX_LOG=f"{w}/standin.log",
                   SOAK_CODEX_STEPS=steps, SOAK_RUN=self.marker, SOAK_SERVER=server)
        return env

    def ours(self) -> list[Proc]:
        """Live processes of this run: marked, or orphans re-parented to us. Reaps dead orphans."""
        me, found = os.getpid(), []
        with self.lock:
            direct = set(self.direct)
        for p in all_procs():
            adopted = p.ppid == me and p.pid not in direct
            if p.state == "Z":
                if adopted:
                    try:
                        os.waitpid(p.pid, os.WNOHANG)
                    except ChildProcessError:
                        pass
            elif p.env.get("SOAK_RUN") == self.marker or adopted:
                found.append(p)
        return found

    def strays(self, server: str | None = None) -> list[Proc]:
        """Processes no turn should have left: all of `server`'s, or (None) all but the main
        server and its guardian."""
        if server is not None:
            return [p for p in self.ours() if p.server == server]
        return [p for p in self.ours()
                if p.pid != self.server_pid and not (p.server == "main" and "__codexmcp-guardian" in p.cmdline)]

    async def settle(self, server: str | None = None) -> None:
        """Waits for the strays to go; any still there after SETTLE_TIMEOUT are leftovers,
        recorded and killed so that they do not blur what follows."""
        t0 = time.monotonic()
        while (left := self.strays(server)) and time.monotonic() - t0 < SETTLE_TIMEOUT:
            await anyio.sleep(0.02)
        self.settle_max = max(self.settle_max, time.monotonic() - t0)
        for p in left:
            self.leftovers.append(str(p))
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def sample(self, turn: int) -> None:
        stats = server_stats(self.server_pid)
        if stats is None:
            return
        self.samples.append({"turn": turn, **stats})

    # planning

    def plan(self, n: int) -> list[Turn]:
        """The next batch of n concurrent turns; replies go to distinct threads."""
        free = list(self.pool)
        self.rng.shuffle(free)
        batch = []
        for _ in range(n):
            kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
            on_thread = {"new": False, "reply": True, "cancel": self.rng.random() < 0.7,
                         "disconnect": self.rng.random() < 0.5}[kind]
            thread = free.pop() if on_thread and free else None
            if kind == "reply" and thread is None:
                kind = "new"
            prompt = "soak " + "x" * self.rng.randrange(0, 4000)
            batch.append(Turn(kind, thread, prompt, delay=self.rng.uniform(0.05, 0.4),
                              mode=self.rng.choice(["stdin-closed", "client-killed"]),
                              progress=self.rng.random() < 0.5,
                              model=self.rng.choice([None, None, "soak-model"])))
        return batch

    def arguments(self, turn: Turn) -> dict:
        if turn.thread is not None:
            return {"threadId": turn.thread, "prompt": turn.prompt}
        args = {"prompt": turn.prompt, "cwd": f"{self.work}/project", "sandbox": "workspace-write",
                "approval-policy": "never"}
        if turn.model:
            args["model"] = turn.model
        return args

    # turns on the long-lived server

    async def call(self, session: ClientSession, turn: Turn, cancel_after: float | None = None):
        """Calls the tool, retrying while the thread is busy. Returns the result, "cancelled"
        when the cancel landed first, or None when the call hung (a problem, recorded)."""
        args = self.arguments(turn)

        async def progress(p, total, message):
            self.counts["progress notifications"] += 1

        for _ in range(BUSY_RETRIES):
            limit = TURN_TIMEOUT if cancel_after is None else cancel_after
            with anyio.move_on_after(limit) as scope:
                result = await session.call_tool(turn.tool, args, progress_callback=progress if turn.progress else None)
            if scope.cancelled_caught:
                if cancel_after is not None:
                    return "cancelled"
                self.problem("hang", f"{turn.tool} on {turn.thread or 'a new thread'}: no result in {TURN_TIMEOUT:.0f} s")
                return None
            if result.is_error and "busy" in text_of(result):
                self.counts["busy refusals (retried)"] += 1
                await anyio.sleep(0.1)
                continue
            return result
        self.problem("busy", f"thread {turn.thread} still busy after {BUSY_RETRIES} retries")
        return None

    def check(self, turn: Turn, result) -> None:
        """A finished call must have succeeded on the right thread with the stand-in's answer."""
        structured = result.structured_content or {}
        thread, text = structured.get("threadId", ""), text_of(result)
        if result.is_error or text != DONE_TEXT or not thread or turn.thread not in (None, thread):
            self.problem("bad result", f"{turn.tool} on {turn.thread or 'a new thread'}: isError={result.is_error} "
                                       f"threadId={thread!r} text={text[:200]!r}")
        elif turn.thread is None:
            self.pool.append(thread)

    async def run_turn(self, session: ClientSession, turn: Turn) -> None:
        try:
            if turn.kind == "disconnect":
                await self.disconnect_turn(turn)
            elif turn.kind == "cancel":
                result = await self.call(session, turn, cancel_after=turn.delay)
                if result == "cancelled":
                    self.counts["cancel landed mid-turn"] += 1
                elif result is not None:
                    self.counts["cancel came after the result"] += 1
                    self.check(turn, result)
            else:
                result = await self.call(session, turn)
                if result is not None:
                    self.check(turn, result)
        except Exception as e:  # the session broke: recorded, and the server's liveness decides
            self.problem("exception", f"{turn.kind} {turn.tool}: {type(e).__name__}: {e}")
        self.counts[turn.kind] += 1

    # turns on a server of their own, whose client goes away mid-turn

    async def disconnect_turn(self, turn: Turn) -> None:
        self.counts["disconnect:" + turn.mode] += 1
        self.counts["disconnect servers"] += 1
        name = f"disconnect-{self.counts['disconnect servers']}"
        await anyio.to_thread.run_sync(self.disconnect_sync, turn, name, self.arguments(turn))
        await self.settle(name)

    def disconnect_sync(self, turn: Turn, name: str, args: dict) -> None:
        proc = subprocess.Popen([self.codexmcp, "mcp-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=self.server_env(name, DISCONNECT_STEPS), cwd=self.work)
        with self.lock:
            self.direct.add(proc.pid)
        wire = Wire(proc)
        try:
            wire.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "codexmcp-soak", "version": "1"}}})
            wire.until(lambda m: m.get("id") == 1)
            wire.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            wire.send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                       "params": {"name": turn.tool, "arguments": args}})
            event = wire.until(lambda m: m.get("method") == "codex/event" or m.get("id") == 2)
            if event.get("id") == 2:
                raise WireError(f"the call ended before any event: {json.dumps(event)[:300]}")
            thread = event["params"].get("_meta", {}).get("threadId")
            time.sleep(turn.delay)
            proc.stdin.close()
            t0 = time.monotonic()
            if turn.mode == "client-killed":
                proc.stdout.close()
            else:
                wire.drain(EXIT_TIMEOUT)
            code = proc.wait(EXIT_TIMEOUT)
            self.disconnect_exits.append(time.monotonic() - t0)
            self.counts[f"disconnected server exit code {code}"] += 1
            if turn.thread is None and thread:
                self.pool.append(thread)  # the next reply proves it resumable
        except (WireError, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
            what = "hang" if isinstance(e, subprocess.TimeoutExpired) else "disconnect"
            self.problem(what, f"{name} ({turn.mode}, {turn.tool}): {type(e).__name__}: {e}")
            proc.kill()
            proc.wait()
        finally:
            with self.lock:
                self.direct.discard(proc.pid)

    # the whole run

    async def run(self) -> int:
        become_subreaper()
        started = time.monotonic()
        with open(f"{self.work}/main-server.stderr", "w") as errlog:
            closing, server_died = await self.drive_main_server(errlog)
        if closing >= 2.0:
            self.problem("slow exit", f"the main server took {closing:.1f} s to exit after stdin closed (killed by the SDK?)")
        t0 = time.monotonic()
        while (left := self.ours()) and time.monotonic() - t0 < SETTLE_TIMEOUT:
            await anyio.sleep(0.05)
        self.report(time.monotonic() - started, closing, left, server_died)
        for p in left:  # counted above; now they go
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        failed = left or self.leftovers or server_died or self.problems
        return 1 if failed else 0

    async def drive_main_server(self, errlog) -> tuple[float, bool]:
        """All the turns, in batches, sampling the server as they go. Returns how long the
        server took to exit once its stdin closed, and whether it died during the run."""
        params = StdioServerParameters(command=self.codexmcp, args=["mcp-server"],
                                       env=self.server_env("main"), cwd=self.work)

        async def on_event(params: CodexEvent) -> None:
            self.counts["codex/event notifications"] += 1

        bindings = [NotificationBinding(method="codex/event", params_type=CodexEvent, handler=on_event)]
        server_died = False
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write, notification_bindings=bindings) as session:
                await session.initialize()
                self.server_pid = next(p.pid for p in all_procs() if p.ppid == os.getpid()
                                       and p.env.get("SOAK_RUN") == self.marker and p.server == "main")
                self.direct.add(self.server_pid)
                self.sample(0)
                done, next_sample = 0, self.sample_every
                while done < self.turns:
                    batch = self.plan(min(self.rng.choice([1, 1, 1, 2, 3]), self.parallel, self.turns - done))
                    async with anyio.create_task_group() as tg:
                        for turn in batch:
                            tg.start_soon(self.run_turn, session, turn)
                    done += len(batch)
                    await self.settle()
                    if server_stats(self.server_pid) is None:
                        server_died = True
                        self.problem("server died", f"the main server (pid {self.server_pid}) is gone after turn {done}")
                        break
                    if done >= next_sample or done == self.turns:
                        self.sample(done)
                        next_sample += self.sample_every
                closing = time.monotonic()
        # Leaving the contexts closed the server's stdin (the SDK kills it after 2 s).
        return time.monotonic() - closing, server_died

    # the report

    def report(self, wall: float, closing: float, left: list[Proc], server_died: bool) -> None:
        c = self.counts
        print(f"soak: {self.turns} turns, seed {self.seed}, up to {self.parallel} at once, {wall:.1f} s wall")
        print()
        print(" turn   fds   RSS KiB  threads")
        for s in self.samples:
            print(f"{s['turn']:5}  {s['fds']:4}  {s['rss']:8}  {s['threads']:7}")
        print()
        print(f"turns            : {c['new']} new, {c['reply']} reply, {c['cancel']} cancelled "
              f"({c['cancel landed mid-turn']} mid-turn, {c['cancel came after the result']} after the result), "
              f"{c['disconnect']} disconnects ({c['disconnect:stdin-closed']} stdin closed, "
              f"{c['disconnect:client-killed']} client killed)")
        for main, label in ((True, "main"), (False, "disc")):
            runs = standin_runs(f"{self.work}/standin.log", main)
            print(f"Codex runs ({label}) : {runs['start']} started: {runs['completed']} completed, "
                  f"{runs['interrupted']} interrupted (SIGINT), {runs['terminated']} terminated (SIGTERM), "
                  f"{runs['killed']} killed (no end)")
        print(f"notifications    : {c['codex/event notifications']} codex/event, {c['progress notifications']} progress")
        print(f"busy refusals    : {c['busy refusals (retried)']} (retried; a cancelled turn still winding down)")
        exits = self.disconnect_exits
        codes = ", ".join(f"{k.rsplit(' ', 1)[1]} x{v}" for k, v in sorted(c.items()) if k.startswith("disconnected server exit"))
        if exits:
            print(f"disconnects      : {len(exits)} servers exited by themselves, {min(exits):.2f}-{max(exits):.2f} s "
                  f"after the disconnect (exit codes: {codes})")
        print(f"main server exit : {closing:.2f} s after its stdin closed{' (DIED DURING THE RUN)' if server_died else ''}")
        print(f"settle max       : {self.settle_max:.2f} s for a turn's processes to go")
        if self.samples:
            for key, label, unit in (("fds", "server fds", ""), ("rss", "server RSS", " KiB")):
                vals = [s[key] for s in self.samples]
                print(f"{label:17}: first {vals[0]}{unit}, last {vals[-1]}{unit}, max {max(vals)}{unit} "
                      f"({len(vals)} samples)")
        warn, err, top = log_summary(f"{self.work}/logs/codexmcp.log")
        print(f"codexmcp log     : {warn} WARN, {err} ERROR lines")
        for line, n in top:
            print(f"    x{n}: {line}")
        for what, detail in self.problems:
            print(f"PROBLEM {what}: {detail}")
        for p in self.leftovers:
            print(f"LEFT DURING RUN: {p}")
        for p in left:
            print(f"LEFT AT END: {p}")
        stderr = os.path.getsize(f"{self.work}/main-server.stderr")
        if stderr:
            print(f"main server wrote {stderr} bytes to stderr (logs belong in the log file)")
        print(f"processes left   : {len(left)} at the end, {len(self.leftovers)} during the run")


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def standin_runs(path: str, main: bool) -> Counter:
    """How the stand-in's runs under the main server (or the others) ended, from its log."""
    ends, starts = {}, set()
    try:
        with open(path) as f:
            for line in f:
                pid, server, what, how, *_ = line.split() + ["", ""]
                if (server == "main") != main:
                    continue
                if what == "start":
                    starts.add(pid)
                elif what == "end":
                    ends[pid] = how
    except FileNotFoundError:
        pass
    runs = Counter(ends.values())
    runs["start"] = len(starts)
    runs["killed"] = len(starts - ends.keys())
    return runs


def log_summary(path: str) -> tuple[int, int, list]:
    """WARN and ERROR line counts of the codexmcp log, and the most common such messages."""
    warn = err = 0
    messages = Counter()
    try:
        with open(path, errors="replace") as f:
            for line in f:
                parts = line.split(None, 2)
                if len(parts) == 3 and parts[1] in ("WARN", "ERROR"):
                    warn += parts[1] == "WARN"
                    err += parts[1] == "ERROR"
                    messages[f"{parts[1]} {parts[2].strip()[:200]}"] += 1
    except FileNotFoundError:
        pass
    return warn, err, messages.most_common(5)


if __name__ == "__main__":
    codexmcp, standin, work = (os.path.abspath(a) for a in sys.argv[1:4])
    sys.exit(anyio.run(Soak(codexmcp, standin, work).run))
