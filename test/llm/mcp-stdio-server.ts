/**
 * An MCP server speaking stdio, for the client's stdio test: `node test/llm/mcp-stdio-server.ts`.
 * Its one tool answers with the process id, so a test sees one process serve every call.
 */
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import * as z from "zod";

serveStdio(() => {
  const server = new McpServer({ name: "stdio-fake", version: "1.0.0" });
  server.registerTool(
    "multiply",
    {
      description: "Multiply two numbers.",
      inputSchema: z.object({ a: z.number(), b: z.number() }),
    },
    async ({ a, b }) => ({ content: [{ type: "text", text: `${a * b} (pid ${process.pid})` }] }),
  );
  return server;
});
