// Interop: the official TypeScript MCP SDK (@modelcontextprotocol/sdk from the npm registry)
// drives `codexmcp mcp-server` over stdio or streamable HTTP: lists the tools, runs `codex`,
// continues with `codex-reply`, lists `codex-sessions`. Prints what it saw as JSON.
//   node ts_client.mjs stdio BINARY WORKDIR
//   node ts_client.mjs http URL TOKEN
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [mode, a, b] = process.argv.slice(2);
const transport =
  mode === "stdio"
    ? new StdioClientTransport({ command: a, args: ["mcp-server"], cwd: b, env: process.env })
    : new StreamableHTTPClientTransport(new URL(a), {
        requestInit: { headers: { Authorization: `Bearer ${b}` } },
      });
const client = new Client({ name: "ts-interop", version: "1.0.0" });
await client.connect(transport);
const tools = await client.listTools();
const first = await client.callTool({ name: "codex", arguments: { prompt: "say hello" } });
const thread = first.structuredContent?.threadId;
const reply = await client.callTool({ name: "codex-reply", arguments: { threadId: thread, prompt: "again" } });
const sessions = await client.callTool({ name: "codex-sessions", arguments: {} });
console.log(JSON.stringify({ tools: tools.tools.map((t) => t.name).sort(), first, reply, sessions }));
await client.close();
