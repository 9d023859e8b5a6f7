#!/usr/bin/env python3
"""Writes a synthetic `codex exec --json` stream for benchmarks: N events in all.

  gen-events.py N FILE

A thread.started, a turn.started, then item.completed events cycling through reasoning, a
command with output, a file change and an agent message, a final message REPLAY-FINISHED, and
turn.completed. Shared by scripts/bench-tui.sh and scripts/bench-ingest.sh.
"""
import json
import sys

n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    w = lambda o: f.write(json.dumps(o) + "\n")
    w({"type": "thread.started", "thread_id": "01a2112e-cb31-7fd3-b664-466522ce36c8"})
    w({"type": "turn.started"})
    for i in range(n - 4):
        k = i % 4
        if k == 0:
            item = {"id": f"item_{i}", "type": "reasoning", "text": f"**Thinking** about step {i}"}
        elif k == 1:
            item = {"id": f"item_{i}", "type": "command_execution", "command": f"/bin/bash -lc 'echo {i}'",
                    "aggregated_output": "one\ntwo\nthree\n", "exit_code": 0, "status": "completed"}
        elif k == 2:
            item = {"id": f"item_{i}", "type": "file_change", "changes": [{"path": f"/w/f{i}.txt", "kind": "add"}],
                    "status": "completed"}
        else:
            item = {"id": f"item_{i}", "type": "agent_message", "text": f"message {i}"}
        w({"type": "item.completed", "item": item})
    w({"type": "item.completed", "item": {"id": "last", "type": "agent_message", "text": "REPLAY-FINISHED"}})
    w({"type": "turn.completed", "usage": {"input_tokens": 1, "output_tokens": 1}})
