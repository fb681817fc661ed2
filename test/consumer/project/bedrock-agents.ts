// A Bedrock-only agents module: its agent names its own model (for `cdk synth` and `twelve dev`).
import { defineAgent, defineTool, doneForNow } from "twelve-agents";
import { bedrock } from "twelve-agents/bedrock";
import * as z from "zod";

const lookupOrder = defineTool({
  name: "lookup_order",
  description: "Find an order by id.",
  input: z.object({ orderId: z.string() }),
  kind: "sync",
  run: ({ orderId }) => ({ orderId, status: "shipped" }),
});

export const support = defineAgent({
  name: "support",
  prompt: "Answer questions about orders.",
  tools: [lookupOrder, doneForNow],
  model: bedrock("us.anthropic.claude-haiku-4-5-20251001-v1:0"),
});

export const agents = [support];
