// Two more providers for `twelve dev`: a Bedrock model that refuses a forced tool choice (the
// newest Claude), and Anthropic's Messages API through the AI SDK.
import { anthropic } from "@ai-sdk/anthropic";
import { defineAgent, defineTool, doneForNow } from "twelve-agents";
import { aiSdk } from "twelve-agents/ai-sdk";
import { bedrock } from "twelve-agents/bedrock";
import * as z from "zod";

const add = defineTool({
  name: "add",
  description: "Add two numbers.",
  input: z.object({ a: z.number(), b: z.number() }),
  kind: "sync",
  run: ({ a, b }) => a + b,
});

export const concierge = defineAgent({
  name: "concierge",
  prompt: "Add the numbers, then say the sum.",
  tools: [add, doneForNow],
  model: bedrock("us.anthropic.claude-sonnet-5-5-v1:0"),
});

export const adder = defineAgent({
  name: "adder",
  prompt: "Add the numbers, then say the sum.",
  tools: [add, doneForNow],
  model: aiSdk(anthropic("claude-sonnet-5-5")),
});
