"""Interop: the official Python MCP SDK (`mcp` on PyPI) drives `codexmcp mcp-server`.

Lists the tools, calls `codex` (a real Codex writes a file), then `codex-reply` with the
returned thread id, and records what it saw as JSON on stdout for the Rust test to check.
Usage: python mcp_sdk_client.py CODEXMCP_BINARY WORKDIR
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from pydantic import BaseModel, ConfigDict

try:  # mcp >= 2: custom notifications are delivered through explicit bindings
    from mcp.client.extension import NotificationBinding
except ImportError:  # mcp 1.x: everything reaches message_handler
    NotificationBinding = None


class CodexEventParams(BaseModel):
    model_config = ConfigDict(extra="allow")
    msg: dict = {}


def attr(obj, snake, camel):
    """The SDK renamed fields to snake_case in 2.x; accept both spellings."""
    return getattr(obj, snake, None) if hasattr(obj, snake) else getattr(obj, camel, None)


async def main() -> None:
    binary, workdir = sys.argv[1], sys.argv[2]
    params = StdioServerParameters(command=binary, args=["mcp-server"], env=dict(os.environ), cwd=workdir)
    report = {"events": [], "progress": []}

    async def on_message(message) -> None:  # codex/event and other notifications
        root = getattr(message, "root", message)
        method = getattr(root, "method", None)
        if method == "codex/event":
            params_ = getattr(root, "params", None) or {}
            if not isinstance(params_, dict):
                params_ = params_.model_dump() if hasattr(params_, "model_dump") else dict(params_)
            report["events"].append(params_.get("msg", {}).get("type"))

    async def on_progress(progress, total, message) -> None:
        report["progress"].append(message)

    async with stdio_client(params) as (read, write):
        async def on_event(params: CodexEventParams) -> None:
            report["events"].append(params.msg.get("type"))

        extra = {}
        if NotificationBinding is not None:
            extra["notification_bindings"] = [NotificationBinding(method="codex/event", params_type=CodexEventParams, handler=on_event)]
        async with ClientSession(read, write, message_handler=on_message, **extra) as session:
            await session.initialize()
            tools = await session.list_tools()
            report["tools"] = {t.name: {"input": attr(t, "input_schema", "inputSchema"),
                                        "output": attr(t, "output_schema", "outputSchema")} for t in tools.tools}
            first = await session.call_tool("codex", {"prompt": "Create hello.py", "sandbox": "workspace-write"},
                                            progress_callback=on_progress)
            structured = attr(first, "structured_content", "structuredContent")
            report["first"] = {"isError": attr(first, "is_error", "isError"), "structured": structured,
                               "text": [c.text for c in first.content if getattr(c, "type", "") == "text"]}
            thread = (structured or {}).get("threadId")
            second = await session.call_tool("codex-reply", {"threadId": thread, "prompt": "Now add a docstring"})
            report["second"] = {"isError": attr(second, "is_error", "isError"),
                                "structured": attr(second, "structured_content", "structuredContent")}
            bad = await session.call_tool("codex", {"prompt": "x", "sandbox": "yolo"})
            report["bad"] = {"isError": attr(bad, "is_error", "isError"), "text": [c.text for c in bad.content if getattr(c, "type", "") == "text"]}
    print(json.dumps(report))


asyncio.run(main())
