/**
 * A script as a user writes one: an agent whose tool is a stdio MCP server's, run to done with
 * `createRunner`, and nothing closed at the end. The stdio test checks it exits by itself.
 */
import { createRunner, defineAgent, doneForNow } from "twelve-agents";
import { mcpServer } from "twelve-agents/mcp";
import { call, ScriptedModel } from "twelve-agents/testing";

const math = mcpServer({
  name: "math",
  command: process.execPath,
  args: [new URL("mcp-stdio-server.ts", import.meta.url).pathname],
});
const agent = defineAgent({ name: "math", prompt: "p", tools: [doneForNow], mcp: [math] });
const model = new ScriptedModel([
  call("multiply", { a: 2, b: 3 }),
  call("done_for_now", { message: "6" }),
]);
const result = await createRunner({ agents: [agent], model }).launch("math", "2 * 3?");
console.log(result.status, result.output);
