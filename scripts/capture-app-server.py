#!/usr/bin/env python3
"""Captures the `codex app-server` fixtures in tests/fixtures/app-server/<version>/ from a real Codex.

    scripts/capture-app-server.py VERSION [SCENARIO ...] [--out DIR] [--codex BIN]
                                  [--compare DIR] [--keep]

    scripts/capture-app-server.py 0.171.0              # all scenarios -> tests/fixtures/app-server/0.171.0/
    scripts/capture-app-server.py 0.171.0 approval     # just this one
    scripts/capture-app-server.py 0.169.0 --out target/cap-as-0.169 --compare tests/fixtures/app-server/0.169.0

Python 3 standard library only; no network beyond 127.0.0.1 and no API key. It reuses the scripted
model, the config.toml and the binary lookup of scripts/capture-fixtures.py (the exec fixtures),
with one difference: the model streams message text and reasoning summaries as deltas, word by
word (`response.output_text.delta`, `response.reasoning_summary_text.delta`), as a real one does.

How (tests/fixtures/app-server/README.md describes the result): for each scenario, in a fresh temp
dir under target/ (a CODEX_HOME and an empty work dir), it starts `codex app-server` in the work
dir and plays codexmcp's part exactly as src/engine/app_server.rs and app_turn.rs do:

    > {"id":1,"method":"initialize","params":{"clientInfo":{"name":"codexmcp","title":"codexmcp","version":<Cargo.toml>}}}
    > {"method":"initialized"}
    > {"id":2,"method":"thread/start","params":{"approvalPolicy":..,"cwd":<work>,"sandbox":..}}
    > {"id":3,"method":"turn/start","params":{"input":[{"text":<prompt>,"type":"text"}],"threadId":<thread>}}

then reads until `turn/completed` for that thread, answering every server request on the way as
codexmcp does with `approvals = decline` (its headless default): approvals get
`{"decision":"decline"}` (`"denied"` for the legacy `execCommandApproval`/`applyPatchApproval`),
any other request of the thread `{"decision":"decline","action":"decline"}`, a request of another
thread a -32601 error. Keys are sorted and compact, as serde_json writes them. After `turn/completed`
it waits GRACE seconds, closes stdin (the server exits) and reads stdout to its end.

Every line the server wrote to stdout is saved verbatim in <out>/<scenario>.jsonl (stderr dropped;
--keep leaves the temp dir with stderr, transcript.jsonl (both directions, timed) and the requests
Codex sent to the model). --compare DIR checks each file against DIR/<scenario>.jsonl by shape
(as capture-fixtures.py does, with `method` and `exitCode` also compared by value).
"""
import importlib.util
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.dont_write_bytecode = True  # no scripts/__pycache__ from the import below
_spec = importlib.util.spec_from_file_location("capture_fixtures", ROOT / "scripts/capture-fixtures.py")
cf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cf)
cf.KEEP_VALUES.update({"method", "exitCode"})  # compared by value in --compare

INIT_TIMEOUT = 20  # seconds, as codexmcp's initialize
START_TIMEOUT = 60  # thread/start, turn/start (codexmcp's START_TIMEOUT)
TURN_TIMEOUT = 180  # until turn/completed
GRACE = 1.0  # seconds to keep reading after turn/completed, before closing stdin
# Where the `approval` scenario's patch tries to write: outside the workspace (and outside /tmp).
OUTSIDE = Path.home() / f".codexmcp-capture-{os.getpid()}"


@dataclass
class Scenario:
    prompt: str
    steps: list  # one per request to the model, in order
    approval_policy: str = "never"  # codexmcp's defaults
    sandbox: str = "workspace-write"


def respond(*items):
    return cf.Respond(list(items), deltas=True)


SCENARIOS = {
    "message": Scenario(
        "Say hello.",
        [respond(cf.message("Hello! This is the first turn, streamed word by word."))]),
    "command": Scenario(
        "Run echo hello.",
        [respond(cf.reasoning("**Running** the command"), cf.Shell("echo hello")),
         respond(cf.message("The command printed hello."))]),
    "approval": Scenario(
        "Write x.txt outside the workspace.",
        [respond(cf.patch(f"*** Add File: {OUTSIDE}/x.txt\n+hello\n")),
         respond(cf.message("The change was declined, so I did not write the file."))],
        approval_policy="on-request"),
}


def compact(msg):
    """A message as codexmcp writes it: serde_json (no preserve_order) sorts keys, no spaces."""
    return json.dumps(msg, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def codexmcp_version():
    m = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M)
    return m.group(1) if m else "0.0.0"


class AppServer:
    """`codex app-server` on pipes: every stdout line kept verbatim, and parsed into a queue."""

    def __init__(self, codex, home, work, stderr, transcript):
        env = cf.codex_env(home)
        env.pop("RUST_BACKTRACE", None)  # codexmcp removes it too
        self.proc = subprocess.Popen([str(codex), "app-server"], cwd=work, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr, start_new_session=True)
        self.lines = []  # raw bytes, as written
        self.inbox = queue.Queue()
        self.transcript = transcript
        self.t0 = time.monotonic()
        self.next_id = 1
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _log(self, direction, line):
        self.transcript.write(json.dumps({"t": round(time.monotonic() - self.t0, 3),
                                          "dir": direction, "line": line}) + "\n")

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            self.lines.append(raw)
            text = raw.decode(errors="replace").rstrip("\n")
            self._log("<", text)
            try:
                self.inbox.put(json.loads(text))
            except ValueError:
                pass  # unreadable: kept in `lines`, skipped like codexmcp does
        self.inbox.put(None)  # EOF

    def send(self, msg):
        line = compact(msg)
        self._log(">", line)
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def next(self, deadline, what):
        try:
            msg = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"no {what} within the timeout") from None
        if msg is None:
            raise RuntimeError(f"codex app-server exited while waiting for {what}")
        return msg

    def request(self, method, params, timeout, on_other):
        """Sends a request and returns its result; other messages go to `on_other`."""
        rid, self.next_id = self.next_id, self.next_id + 1
        self.send({"id": rid, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            msg = self.next(deadline, f"answer to {method}")
            if "method" not in msg and msg.get("id") == rid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result")
            on_other(msg)

    def close(self):
        """Closes stdin (the server exits), then waits for stdout to end."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        self.reader.join(timeout=5)
        return self.proc.returncode


class Client:
    """codexmcp's side of one turn (app_turn.rs `drive` and `on_request`, approvals = decline)."""

    def __init__(self, server):
        self.server = server
        self.thread = None  # codexmcp routes messages only once thread/start answered
        self.done = False
        self.answered = []  # (method, result) of each server request answered

    def on_message(self, msg):
        method, params = msg.get("method"), msg.get("params") or {}
        if method is None:
            return  # a response nobody waits for
        thread = params.get("threadId") or (params.get("thread") or {}).get("id") or ""
        ours = self.thread is not None and thread == self.thread
        if "id" in msg:
            self.on_request(msg["id"], method, ours)
        elif ours and method == "turn/completed":
            self.done = True

    def on_request(self, rid, method, ours):
        if not ours:  # AppServer::reject
            self.server.send({"id": rid, "error": {"code": -32601,
                                                   "message": f"codexmcp does not handle {method}"}})
            self.answered.append((method, "error -32601"))
            return
        if method in ("item/commandExecution/requestApproval", "item/fileChange/requestApproval"):
            result = {"decision": "decline"}
        elif method in ("execCommandApproval", "applyPatchApproval"):
            result = {"decision": "denied"}  # ApprovalDecision::Decline.wire(legacy = true)
        else:
            result = {"decision": "decline", "action": "decline"}
        self.server.send({"id": rid, "result": result})
        self.answered.append((method, result))

    def run(self, scenario, work):
        s = self.server
        info = {"name": "codexmcp", "title": "codexmcp", "version": codexmcp_version()}
        s.request("initialize", {"clientInfo": info}, INIT_TIMEOUT, self.on_message)
        s.send({"method": "initialized"})
        params = {"cwd": str(work), "sandbox": scenario.sandbox,
                  "approvalPolicy": scenario.approval_policy}
        started = s.request("thread/start", params, START_TIMEOUT, self.on_message)
        self.thread = started["thread"]["id"]
        turn = {"threadId": self.thread, "input": [{"type": "text", "text": scenario.prompt}]}
        s.request("turn/start", turn, START_TIMEOUT, self.on_message)
        deadline = time.monotonic() + TURN_TIMEOUT
        while not self.done:
            self.on_message(s.next(deadline, "turn/completed"))
        # A little longer, still answering requests, then the server is closed.
        end = time.monotonic() + GRACE
        while True:
            try:
                msg = s.inbox.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                break
            if msg is None:
                break
            self.on_message(msg)


def capture(name, scenario, codex, base_url, tmp_base, out_dir, keep):
    root = Path(tempfile.mkdtemp(prefix=f"{name}.", dir=tmp_base))
    home, work = root / "codex-home", root / "work"
    home.mkdir()
    work.mkdir()
    cf.write_config(home, base_url)
    error = None
    with open(root / "requests.jsonl", "w") as log, open(root / "stderr.txt", "wb") as err, \
            open(root / "transcript.jsonl", "w") as transcript:
        cf.MODEL.count = 0  # model item ids (msg_1_0, call_2_1...) do not depend on the run order
        cf.MODEL.load(scenario.steps, log)
        unscripted = cf.MODEL.unscripted
        server = AppServer(codex, home, work, err, transcript)
        client = Client(server)
        try:
            client.run(scenario, work)
        except RuntimeError as e:
            error = e
        code = server.close()
        left = len(cf.MODEL.steps)
        cf.MODEL.load([], None)
    (out_dir / f"{name}.jsonl").write_bytes(b"".join(server.lines))
    notes = [f"answered {m} with {r}" for m, r in client.answered]
    if left or cf.MODEL.unscripted > unscripted:
        notes.append(f"WARNING: {left} scripted step(s) unused, "
                     f"{cf.MODEL.unscripted - unscripted} unscripted request(s)")
    if error:
        notes.append(f"ERROR: {error}")
    if OUTSIDE.exists():
        notes.append(f"WARNING: {OUTSIDE} was created (the patch was applied?); removed")
        shutil.rmtree(OUTSIDE, ignore_errors=True)
    print(f"{name}: {len(server.lines)} lines -> {out_dir / (name + '.jsonl')} (server exit {code})")
    for note in notes:
        print(f"  {note}")
    if keep:
        print(f"  kept {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return error is None


def main():
    return cf.cli_main("capture-app-server", "app-server", SCENARIOS, capture,
                       cleanup=lambda: shutil.rmtree(OUTSIDE, ignore_errors=True))


if __name__ == "__main__":
    sys.exit(main())
