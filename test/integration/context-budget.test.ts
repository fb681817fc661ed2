import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { OpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { OpenAIModel } from "../../shared/llm/openai-model.ts";
import { type ChatServer, startChatServer } from "../llm/chat-server.ts";
import { toolCallCompletion } from "../llm/completions.ts";
import { client, startTestStack } from "./local-stack.ts";

const STEPS = 1000;
const BUDGET = 3000;
const add = calculator.tool("add");
if (!add) throw new Error("the calculator has no add tool");

/** A counter with a small context budget: it adds 1, a thousand times, then says the total. */
const counter = defineAgent({
  name: "counter",
  prompt: "You keep a running total. Add 1 to the last result until told the count is reached.",
  tools: [add, doneForNow],
  maxSteps: STEPS + 10,
  contextBudget: BUDGET,
});

/** o200k tokens of a Chat Completions request body as `requestTokens` counts a request. */
function requestTokens(body: Record<string, unknown>): number {
  const messages = body.messages as { content: string }[];
  const tools = (body.tools as { function: unknown }[]).map((tool) => tool.function);
  return (
    3 +
    messages.reduce((sum, message) => sum + 4 + encode(message.content).length, 0) +
    encode(JSON.stringify(tools)).length
  );
}

describe("A 1,000-step thread under a 3,000-token budget, through the local stack", () => {
  let stack: LocalStack;
  let chat: ChatServer;

  beforeAll(async () => {
    chat = await startChatServer();
    for (let i = 0; i < STEPS; i++) {
      chat.enqueue({
        status: 200,
        body: toolCallCompletion([["add", JSON.stringify({ a: i, b: 1 })]]),
      });
    }
    chat.enqueue({
      status: 200,
      body: toolCallCompletion([["done_for_now", JSON.stringify({ message: `${STEPS}` })]]),
    });
    const openai = new OpenAI({ apiKey: "test", baseURL: chat.baseURL, maxRetries: 0 });
    stack = await startTestStack({
      agents: [counter],
      model: new OpenAIModel({ model: "gpt-4o-mini", client: openai }),
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await chat?.close();
  });

  it("keeps every model request within the budget, compacts as it goes, and sums the tokens", async () => {
    // Act
    const api = client(stack);
    const launched = await api.launch("counter", "Count to 1000 by adding 1, starting from 0.");
    expect(launched.status).toBe(202);
    const id = launched.body.threadId as string;
    const done = await api.waitFor(id, "done", 300_000);

    // Assess: every request the model received fits the budget (o200k, counted at the wire)
    expect(chat.requests).toHaveLength(STEPS + 1);
    const sizes = chat.requests.map((request) => requestTokens(request.body));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BUDGET);
    expect(done.output).toBe("1000");
    // Compactions are events; the events stay (every call and result, all 1,000).
    const events = [];
    for (let after = 0; ; ) {
      const page = await api.request("GET", `/threads/${id}/events?after=${after}&limit=500`);
      events.push(...page.body.events);
      if (page.body.next === undefined) break;
      after = page.body.next;
    }
    const compactions = events.filter((event) => event.type === "compaction");
    expect(compactions.length).toBeGreaterThan(10);
    expect(events.filter((event) => event.type === "tool_result")).toHaveLength(STEPS);
    // The context route shows the compaction in force and what the model sees.
    const context = await api.request("GET", `/threads/${id}/context`);
    expect(context.body.contextBudget).toBe(BUDGET);
    expect(context.body.compaction).toMatchObject({ from: 1, method: "elide" });
    expect(context.body.compaction.to).toBe(compactions.at(-1).data.to);
    expect(context.body.messages[1].content).toMatch(/^<compacted events="1-\d+">/);
    // Usage: 42 in and 7 out per call, at gpt-4o-mini's list price.
    expect(done.usage).toMatchObject({
      inputTokens: 42 * (STEPS + 1),
      outputTokens: 7 * (STEPS + 1),
      modelCalls: STEPS + 1,
      unpriced: [],
    });
    expect(done.usage.estimatedCostUsd).toBeCloseTo(
      (42 * (STEPS + 1) * 0.15 + 7 * (STEPS + 1) * 0.6) / 1e6,
      8,
    );
  }, 320_000);
});
