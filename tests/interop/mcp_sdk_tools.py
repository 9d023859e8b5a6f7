"""Interop: the official Python MCP SDK (`mcp` on PyPI) drives `codexmcp mcp-server` over stdio
or streamable HTTP: lists the tools, runs a `codex` turn whose approval request reaches it as an
elicitation (answered: accept, or not at all when it declares no elicitation capability), then
`codex-sessions`, `codex-diff`, `codex-fork`, `codex-review` (of that turn), `codex-undo`,
`codex-redo` and `codex-undo` again on that thread. Prints what it saw as JSON.

Usage: python mcp_sdk_tools.py stdio BINARY WORKDIR TARGET [SERVER ARGS...]
       python mcp_sdk_tools.py http URL TOKEN TARGET
TARGET is the file the turn writes outside the working dir (so Codex must ask). With
ELICIT=0 in the environment the client declares no elicitation capability.
"""
import asyncio
import contextlib
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client


def attr(obj, snake, camel):
    return getattr(obj, snake, None) if hasattr(obj, snake) else getattr(obj, camel, None)


def result(r):
    return {"isError": attr(r, "is_error", "isError"),
            "structured": attr(r, "structured_content", "structuredContent"),
            "text": [c.text for c in r.content if getattr(c, "type", "") == "text"]}


@contextlib.asynccontextmanager
async def connect(argv):
    if argv[0] == "stdio":
        binary, workdir = argv[1], argv[2]
        params = StdioServerParameters(command=binary, args=["mcp-server", *argv[4:]],
                                       env=dict(os.environ), cwd=workdir)
        async with stdio_client(params) as (read, write):
            yield read, write
    else:
        url, token = argv[1], argv[2]
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with client, streamable_http_client(url, http_client=client) as streams:
            yield streams[0], streams[1]


async def main() -> None:
    argv = sys.argv[1:]
    target = argv[3]
    report = {"asked": []}

    async def on_elicit(context, params):
        report["asked"].append(params.message)
        return types.ElicitResult(action="accept", content={})

    extra = {} if os.environ.get("ELICIT") == "0" else {"elicitation_callback": on_elicit}
    async with connect(argv) as (read, write):
        async with ClientSession(read, write, **extra) as session:
            await session.initialize()
            tools = await session.list_tools()
            report["tools"] = sorted(t.name for t in tools.tools)
            patch = f"write {target}"
            first = await session.call_tool("codex", {"prompt": patch, "approval-policy": "on-request"})
            report["codex"] = result(first)
            thread = (report["codex"]["structured"] or {}).get("threadId")
            report["sessions"] = result(await session.call_tool("codex-sessions", {}))
            report["diff"] = result(await session.call_tool("codex-diff", {"threadId": thread}))
            report["fork"] = result(await session.call_tool("codex-fork", {"threadId": thread}))
            report["review"] = result(
                await session.call_tool("codex-review", {"threadId": thread, "turn": 1})
            )
            report["undo"] = result(await session.call_tool("codex-undo", {"threadId": thread}))
            report["redo"] = result(await session.call_tool("codex-redo", {"threadId": thread}))
            report["undo_again"] = result(
                await session.call_tool("codex-undo", {"threadId": thread})
            )
    print(json.dumps(report))


asyncio.run(main())
