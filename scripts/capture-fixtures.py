#!/usr/bin/env python3
"""Captures the `codex exec --json` fixtures in tests/fixtures/exec/<version>/ from a real Codex.

    scripts/capture-fixtures.py VERSION [SCENARIO ...] [--out DIR] [--codex BIN]
                                [--compare DIR] [--keep]

    scripts/capture-fixtures.py 0.171.0                  # all scenarios -> tests/fixtures/exec/0.171.0/
    scripts/capture-fixtures.py 0.171.0 message resume   # just these two
    scripts/capture-fixtures.py 0.169.0 --out target/cap-0.169 --compare tests/fixtures/exec/0.169.0

Python 3 standard library only; no network beyond 127.0.0.1 and no API key. The Codex binary
is the one scripts/install-codex.sh put in .codex-cli/<VERSION>/ (or $CODEXMCP_CODEX_DIR/<VERSION>/),
unless --codex names another.

How (tests/fixtures/exec/README.md describes the result):

* A throwaway `ThreadingHTTPServer` on 127.0.0.1 plays the model. Each `POST /v1/responses`
  takes the next step of the scenario's script: a streamed answer (SSE `response.created`, one
  `response.output_item.done` per output item, `response.completed` with usage 10 in / 5 out),
  an HTTP error, or a stream that is cut after `response.created`. Shell commands go through
  whichever shell tool Codex offers in the request (`exec_command` with `{"cmd": ...}` first).
* Every scenario gets a fresh temp dir (under target/, since Codex refuses to create its helper
  files under /tmp) holding a CODEX_HOME whose config.toml points Codex at that server
  (`model = "mock-model"`, provider `mock`, `wire_api = "responses"`, `request_max_retries = 0`,
  `stream_max_retries = 0`) and an empty work dir, where it runs
      echo "<prompt>" | CODEX_HOME=<tmp> codex exec --json -s workspace-write --skip-git-repo-check -
  (for `resume`, a first plain turn and then `codex exec ... resume <thread_id> -`).
* Codex's stdout is written verbatim to <out>/<scenario>.jsonl; stderr is dropped (--keep leaves
  the temp dir, with stderr and the requests Codex sent, for a look). Nothing is edited, so
  thread ids, temp paths and environment noise (e.g. `pyenv: cannot rehash`) are as emitted.

--compare DIR checks each captured file against DIR/<scenario>.jsonl by *shape*: the sequence of
events with every value replaced by its JSON type, except `type`, `status`, `kind` and
`exit_code`, which are compared by value (so ids, paths and texts may differ).

scripts/capture-app-server.py (the `codex app-server` fixtures) imports this file and reuses its
scripted model (with `Respond(..., deltas=True)`), write_config, codex_binary and compare.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 180  # seconds for one `codex exec`


# --- what the model says -------------------------------------------------------------------

def message(text):
    return {"type": "message", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


def reasoning(summary):
    return {"type": "reasoning", "summary": [{"type": "summary_text", "text": summary}]}


@dataclass
class Shell:
    """A shell command, sent through the shell tool Codex offers in that request."""
    cmd: str


@dataclass
class Respond:
    """One streamed answer with these output items (dicts, or Shell)."""
    items: list
    # Also stream message text and reasoning summaries as deltas, word by word, before each
    # item's `response.output_item.done` (as a real model does; scripts/capture-app-server.py).
    deltas: bool = False


@dataclass
class HttpError:
    status: int
    message: str


@dataclass
class CutStream:
    """`response.created`, then the connection is closed before `response.completed`."""


@dataclass
class Scenario:
    prompt: str
    steps: list  # one per request, in order
    config_extra: str = ""  # appended to the [model_providers.mock] table
    files: dict = field(default_factory=dict)  # pre-created in the work dir
    first_turn: tuple = None  # (prompt, steps): `resume` runs this first, then resumes


def patch(body):
    return Shell(f"apply_patch <<'EOF'\n*** Begin Patch\n{body}*** End Patch\nEOF\n")


SCENARIOS = {
    "message": Scenario(
        "Say hello.",
        [Respond([message("Hello! This is the first turn.")])]),
    "reasoning_command": Scenario(
        "List the directory.",
        [Respond([reasoning("**Listing** the directory"), Shell("echo hello && ls")]),
         Respond([message("The command printed hello and listed the files.")])]),
    "command_failed": Scenario(
        "List /nonexistent.",
        [Respond([Shell("ls /nonexistent")]),
         Respond([message("The directory does not exist.")])]),
    "patch_add_update_delete": Scenario(
        "Add hello.txt, update it, delete old.txt.",
        [Respond([patch("*** Add File: hello.txt\n+hello\n")]),
         Respond([patch("*** Update File: hello.txt\n@@\n-hello\n+hello, world\n")]),
         Respond([patch("*** Delete File: old.txt\n")]),
         Respond([message("Added, updated and deleted the files.")])],
        files={"old.txt": "old\n"}),
    "http_500": Scenario(
        "Say hello.",
        [HttpError(500, "mock server error")]),
    "retry_then_fail": Scenario(
        "Say hello.",
        [CutStream(), CutStream()],
        config_extra="stream_max_retries = 1\n"),
    "resume": Scenario(
        "Say something else.",
        [Respond([message("Second turn answer.")])],
        first_turn=("Say hello.", [Respond([message("Hello! This is the first turn.")])])),
    "web_search": Scenario(
        "Search the web for a Rust TUI library.",
        [Respond([{"type": "web_search_call", "id": "ws_1", "status": "completed",
                   "action": {"type": "search", "query": "rust tui"}},
                  message("Ratatui is a popular Rust TUI library.")])]),
}


# --- the scripted server -------------------------------------------------------------------

USAGE = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
         "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15}


def shell_call(cmd, request):
    """(tool name, arguments) for the shell tool offered in `request`."""
    offered = {t.get("name") for t in request.get("tools") or [] if isinstance(t, dict)}
    if "exec_command" in offered:
        return "exec_command", {"cmd": cmd}
    if "shell_command" in offered:
        return "shell_command", {"command": cmd}
    return "shell", {"command": ["bash", "-lc", cmd]}


class Model:
    """The script of the scenario running now, and a log of what Codex sent."""

    def __init__(self):
        self.lock = threading.Lock()
        self.steps = deque()
        self.log = None  # a file: one JSON line per request
        self.count = 0
        self.unscripted = 0

    def load(self, steps, log):
        with self.lock:
            self.steps = deque(steps)
            self.log = log

    def next_step(self, path, request):
        with self.lock:
            self.count += 1
            if self.log:
                tools = [t.get("name") or t.get("type") for t in request.get("tools") or []]
                self.log.write(json.dumps({"n": self.count, "path": path, "tools": tools,
                                           "request": request}) + "\n")
                self.log.flush()
            if self.steps:
                return self.count, self.steps.popleft()
            self.unscripted += 1
            return self.count, HttpError(500, "capture-fixtures: the script has run out")


MODEL = Model()


def sse(event):
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def output_items(n, items, request):
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Shell):
            name, args = shell_call(item.cmd, request)
            item = {"type": "function_call", "call_id": f"call_{n}_{i}", "name": name,
                    "arguments": json.dumps(args), "status": "completed"}
        item = dict(item)
        prefix = {"message": "msg", "reasoning": "rs", "function_call": "fc"}.get(item["type"], "it")
        item.setdefault("id", f"{prefix}_{n}_{i}")
        out.append(item)
    return out


def delta_frames(i, item):
    """The frames a real model streams before `response.output_item.done` of a message (text
    deltas) or a reasoning item (summary deltas), word by word, like src/scripted_model.rs."""
    at = {"item_id": item["id"], "output_index": i}
    if item["type"] == "message":
        parts, added = item["content"], dict(item, content=[], status="in_progress")
        part_added, delta = "response.content_part.added", "response.output_text.delta"
        index = "content_index"
    elif item["type"] == "reasoning":
        parts, added = item["summary"], dict(item, summary=[])
        part_added, delta = "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta"
        index = "summary_index"
    else:
        return []
    frames = [{"type": "response.output_item.added", "output_index": i, "item": added}]
    for n, part in enumerate(parts):
        frames.append({"type": part_added, **at, index: n, "part": dict(part, text="")})
        frames += [{"type": delta, **at, index: n, "delta": w} for w in words(part["text"])]
    return frames


def words(text):
    """`text` in pieces that each keep their trailing space (Rust's `split_inclusive(' ')`)."""
    pieces = text.split(" ")
    return [w + " " for w in pieces[:-1]] + [pieces[-1]] * bool(pieces[-1])


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: every response ends by closing the connection, which ends an SSE stream.
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with MODEL.lock:
            if MODEL.log:
                MODEL.log.write(json.dumps({"path": self.path, "method": "GET"}) + "\n")
        self.send_error(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") != "/v1/responses":
            self.send_error(404)
            return
        try:
            request = json.loads(body)
        except ValueError:
            request = {}
        n, step = MODEL.next_step(self.path, request)
        resp_id = f"resp_{n}"
        if isinstance(step, HttpError):
            data = json.dumps({"error": {"message": step.message, "type": "mock_error",
                                         "code": str(step.status)}}).encode()
            self.send_response(step.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(sse({"type": "response.created", "response": {"id": resp_id}}))
        if isinstance(step, CutStream):
            self.wfile.flush()
            return  # closing the connection mid-stream
        for i, item in enumerate(output_items(n, step.items, request)):
            for frame in delta_frames(i, item) if step.deltas else []:
                self.wfile.write(sse(frame))
            self.wfile.write(sse({"type": "response.output_item.done", "output_index": i,
                                  "item": item}))
        self.wfile.write(sse({"type": "response.completed",
                              "response": {"id": resp_id, "status": "completed", "usage": USAGE}}))
        self.wfile.flush()


# --- running Codex -------------------------------------------------------------------------

def codex_binary(version):
    base = Path(os.environ.get("CODEXMCP_CODEX_DIR") or ROOT / ".codex-cli") / version / "node_modules"
    arch = {"x86_64": ("x64", "x86_64"), "aarch64": ("arm64", "aarch64")}.get(os.uname().machine)
    if arch:
        pkg, cpu = arch
        triple = f"{cpu}-unknown-linux-musl"
        for candidate in (base / f"@openai/codex-linux-{pkg}/vendor/{triple}/bin/codex",
                          base / f"@openai/codex-linux-{pkg}/vendor/{triple}/codex/codex",
                          base / f"@openai/codex/vendor/{triple}/codex/codex",
                          base / f"@openai/codex/vendor/{triple}/bin/codex"):
            if os.access(candidate, os.X_OK):
                return candidate
    sys.exit(f"capture-fixtures: no Codex {version} under {base}; run scripts/install-codex.sh {version}"
             " or pass --codex BIN")


def codex_env(home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_SANDBOX_MODE", "RUST_LOG")}
    env["CODEX_HOME"] = str(home)
    return env


def run_codex(codex, args, prompt, home, work, stderr):
    """`echo PROMPT | CODEX_HOME=HOME codex exec --json ... ARGS -` in WORK: (exit code, stdout)."""
    cmd = [str(codex), "exec", "--json", "-s", "workspace-write", "--skip-git-repo-check", *args, "-"]
    done = subprocess.run(cmd, input=(prompt + "\n").encode(), stdout=subprocess.PIPE,
                          stderr=stderr, cwd=work, env=codex_env(home), timeout=RUN_TIMEOUT)
    return done.returncode, done.stdout


def write_config(home, base_url, extra=""):
    """HOME/config.toml: the model is the scripted server; `extra` ends the provider table."""
    (home / "config.toml").write_text(
        'model = "mock-model"\nmodel_provider = "mock"\n\n[model_providers.mock]\n'
        f'name = "mock"\nbase_url = "{base_url}"\nwire_api = "responses"\n'
        "request_max_retries = 0\n"
        + ("" if "stream_max_retries" in extra else "stream_max_retries = 0\n") + extra)


def capture(name, scenario, codex, base_url, tmp_base, out_dir, keep):
    root = Path(tempfile.mkdtemp(prefix=f"{name}.", dir=tmp_base))
    home, work = root / "codex-home", root / "work"
    home.mkdir()
    work.mkdir()
    write_config(home, base_url, scenario.config_extra)
    for rel, text in scenario.files.items():
        (work / rel).write_text(text)
    with open(root / "requests.jsonl", "w") as log, open(root / "stderr.txt", "wb") as err:
        args = []
        if scenario.first_turn:
            prompt, steps = scenario.first_turn
            MODEL.load(steps, log)
            code, stdout = run_codex(codex, [], prompt, home, work, err)
            (root / "first-turn.jsonl").write_bytes(stdout)
            first = json.loads(stdout.splitlines()[0])
            if code != 0 or first.get("type") != "thread.started":
                sys.exit(f"capture-fixtures: {name}: first turn failed (exit {code}); see {root}")
            args = ["resume", first["thread_id"]]
        MODEL.load(scenario.steps, log)
        unscripted = MODEL.unscripted
        code, stdout = run_codex(codex, args, scenario.prompt, home, work, err)
        left = len(MODEL.steps)
        MODEL.load([], None)
    (out_dir / f"{name}.jsonl").write_bytes(stdout)
    note = ""
    if left or MODEL.unscripted > unscripted:
        note = f"  WARNING: {left} scripted step(s) unused, {MODEL.unscripted - unscripted} unscripted request(s)"
    print(f"{name}: exit {code}, {len(stdout.splitlines())} events -> {out_dir / (name + '.jsonl')}{note}")
    if keep:
        print(f"  kept {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return code


# --- comparing shapes ----------------------------------------------------------------------

KEEP_VALUES = {"type", "status", "kind", "exit_code"}


class Obj(list):
    """A JSON object as its (key, value) pairs, in order, duplicates kept."""


def shape(value, key=None):
    """`value` with every scalar replaced by its type name, except the KEEP_VALUES keys."""
    if isinstance(value, Obj):
        return {"{}": [[k, shape(v, k)] for k, v in value]}
    if isinstance(value, list):
        return [shape(v) for v in value]
    if key in KEEP_VALUES:
        return value
    return type(value).__name__


def shapes(path):
    # Pairs, not dicts: a duplicate key (the `id` of a web_search item) is part of the shape.
    lines = path.read_text().splitlines()
    return [shape(json.loads(line, object_pairs_hook=Obj)) for line in lines if line.strip()]


def compare(name, new, old):
    if not old.exists():
        print(f"  {name}: nothing to compare with ({old} missing)")
        return True
    a, b = shapes(new), shapes(old)
    if a == b:
        print(f"  {name}: same shape as {old}")
        return True
    print(f"  {name}: DIFFERENT shape from {old}")
    for i in range(max(len(a), len(b))):
        x = json.dumps(a[i]) if i < len(a) else "(none)"
        y = json.dumps(b[i]) if i < len(b) else "(none)"
        if x != y:
            print(f"    line {i + 1}:\n      new: {x}\n      old: {y}")
    return False


# --- main ----------------------------------------------------------------------------------

def cli_main(prog, fixtures, scenarios, capture_one, cleanup=lambda: None):
    """The command line both capture scripts share: parse it, check the binary, start the model,
    capture each scenario into tests/fixtures/<fixtures>/<VERSION>/ (or --out), compare."""
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("version", help="Codex CLI version, e.g. 0.171.0")
    ap.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                    help=f"default: all of {', '.join(scenarios)}")
    ap.add_argument("--out", type=Path, help=f"output dir (default tests/fixtures/{fixtures}/VERSION)")
    ap.add_argument("--codex", type=Path, help="the codex binary (default: .codex-cli/VERSION/...)")
    ap.add_argument("--compare", type=Path, metavar="DIR",
                    help="compare each capture's shape with DIR/<scenario>.jsonl")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs (stderr, requests)")
    opts = ap.parse_args()

    unknown = [s for s in opts.scenarios if s not in scenarios]
    if unknown:
        ap.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(scenarios)}")
    codex = opts.codex or codex_binary(opts.version)
    reported = subprocess.run([str(codex), "--version"], capture_output=True, text=True).stdout.strip()
    if not reported.endswith(opts.version):
        sys.exit(f"{prog}: {codex} says {reported!r}, not {opts.version}")
    out_dir = opts.out or ROOT / "tests/fixtures" / fixtures / opts.version
    out_dir.mkdir(parents=True, exist_ok=True)
    # Not /tmp: Codex refuses to create its PATH helper files there and warns on every run.
    (ROOT / "target").mkdir(exist_ok=True)
    tmp_base = Path(tempfile.mkdtemp(prefix=f"{prog}.", dir=ROOT / "target"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    print(f"{reported} ({codex}); model at {base_url}; writing {out_dir}")
    ok = True
    try:
        for name in opts.scenarios or scenarios:
            ok &= capture_one(name, scenarios[name], codex, base_url, tmp_base, out_dir, opts.keep) is not False
            if opts.compare:
                ok &= compare(name, out_dir / f"{name}.jsonl", opts.compare / f"{name}.jsonl")
    finally:
        server.shutdown()
        cleanup()
        if not opts.keep:
            shutil.rmtree(tmp_base, ignore_errors=True)
    return 0 if ok else 1


def main():
    return cli_main("capture-fixtures", "exec", SCENARIOS, capture)


if __name__ == "__main__":
    sys.exit(main())
