import { fileURLToPath } from "node:url";
import { defineAgent, doneForNow, type Model } from "twelve-agents";
import { mcpServer } from "twelve-agents/mcp";

/**
 * The agents module of the `twelve dev` MCP test: one agent whose only arithmetic is an MCP
 * server's `add` (its URL from MATH_MCP_URL), driven by a rule: add 2 and 3, then say the sum;
 * and one whose `multiply` is a stdio server's, a child process `twelve dev` starts: multiply 2
 * and 3, then say the product.
 */
const math = mcpServer({
  name: "math",
  url: process.env.MATH_MCP_URL ?? "http://127.0.0.1:9/mcp",
  cacheTtlMs: 0,
});
const stdio = mcpServer({
  name: "stdio",
  command: process.execPath,
  args: [fileURLToPath(new URL("../llm/mcp-stdio-server.ts", import.meta.url))],
});

export const model: Model = {
  async next(request) {
    const seen = request.messages.map((message) => message.content).join("\n");
    if (request.tools.some((tool) => tool.name === "multiply")) {
      const product = /<multiply_result>\n(\d+) \(pid \d+\)\n<\/multiply_result>/.exec(seen)?.[1];
      return product
        ? { type: "tool_call", tool: "done_for_now", args: { message: `2 * 3 = ${product}` } }
        : { type: "tool_call", tool: "multiply", args: { a: 2, b: 3 } };
    }
    const sum = /<add_result>\n(\d+)\n<\/add_result>/.exec(seen)?.[1];
    return sum
      ? { type: "tool_call", tool: "done_for_now", args: { message: `2 + 3 = ${sum}` } }
      : { type: "tool_call", tool: "add", args: { a: 2, b: 3 } };
  },
};

export const agents = [
  defineAgent({ name: "mcp-math", prompt: "Add.", tools: [doneForNow], mcp: [math] }),
  defineAgent({ name: "mcp-stdio", prompt: "Multiply.", tools: [doneForNow], mcp: [stdio] }),
];
