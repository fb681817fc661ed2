import { defineAgent, defineTool, doneForNow } from "twelve-agents";
import * as z from "zod";

const lookupOrder = defineTool({
  name: "lookup_order",
  description: "Find an order by id.",
  input: z.object({ orderId: z.string() }),
  kind: "sync",
  run: ({ orderId }) => ({ orderId, status: "delivered", total: 42 }),
});

const refundOrder = defineTool({
  name: "refund_order",
  description: "Refund an order. A person approves every refund.",
  input: z.object({ orderId: z.string(), amount: z.number() }),
  kind: "approval",
  run: ({ orderId, amount }, { idempotencyKey }) => ({ refunded: amount, orderId, idempotencyKey }),
});

export const refunds = defineAgent({
  name: "refunds",
  prompt: "You handle refund requests. Each answer is exactly one tool call.",
  tools: [lookupOrder, refundOrder, doneForNow],
  maxSteps: 8,
});

export const agents = [refunds];
