// Uses the published declarations the way a product's code would; it must type-check.
import { createRunner, type Pending, type RunResult, type Status } from "twelve-agents";
import { call, MemoryThreadStore, ScriptedModel } from "twelve-agents/testing";
import { agents, refunds } from "./agents.ts";

export async function firstPending(message: string): Promise<Pending | null> {
  const runner = createRunner({
    agents,
    model: new ScriptedModel([call("lookup_order", { orderId: "A-1" })]),
    store: new MemoryThreadStore(),
  });
  const run: RunResult = await runner.launch(refunds, message);
  const status: Status = run.status;
  return status === "waiting_for_approval" ? run.pending : null;
}
