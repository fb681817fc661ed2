// Runs the project's agent in process, with the package's scripted model: launch, approve, done.
import { createRunner } from "twelve-agents";
import { call, ScriptedModel } from "twelve-agents/testing";
import { agents } from "./agents.ts";

const model = new ScriptedModel([
  call("lookup_order", { orderId: "A-1" }),
  call("refund_order", { orderId: "A-1", amount: 42 }),
  call("done_for_now", { message: "Refunded 42 for A-1." }),
]);
const runner = createRunner({ agents, model });
const paused = await runner.launch("refunds", "Refund order A-1");
if (!paused.pending) throw new Error(`expected a pending approval, got ${paused.status}`);
const done = await runner.respond(paused.threadId, {
  callId: paused.pending.callId,
  approved: true,
});
model.assertDone();
console.log(
  JSON.stringify({
    paused: paused.status,
    pending: paused.pending.tool,
    status: done.status,
    output: done.output,
    events: done.events.map((event) => event.type),
  }),
);
