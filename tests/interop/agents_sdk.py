"""Interop: the proof of concept's own setup. The OpenAI Agents SDK (`openai-agents` on PyPI)
runs `codexmcp mcp-server` through `MCPServerStdio`; the agent's model is the scripted server
at OPENAI_BASE_URL. The final output and the files are checked by the Rust test.
Usage: python agents_sdk.py CODEXMCP_BINARY WORKDIR
"""
import asyncio
import json
import os
import sys

from agents import Agent, Runner, set_tracing_disabled
from agents.mcp import MCPServerStdio


async def main() -> None:
    binary, workdir = sys.argv[1], sys.argv[2]
    set_tracing_disabled(True)
    async with MCPServerStdio(
        name="Codex CLI",
        params={"command": binary, "args": ["mcp-server"], "env": dict(os.environ), "cwd": workdir},
        client_session_timeout_seconds=360000,
    ) as codex_mcp_server:
        agent = Agent(
            name="Developer",
            instructions="Use the codex tool to write code into the working directory.",
            mcp_servers=[codex_mcp_server],
            model="gpt-5.5",
        )
        result = await Runner.run(agent, "Create a snake game with HTML, CSS, and JavaScript")
        print(json.dumps({"final_output": result.final_output}))


asyncio.run(main())
