import { describe, expect, it } from "vitest";
import { NotPendingError } from "../../shared/core/errors.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { deriveHead, derivePending } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
import {
  call,
  MemoryThreadStore,
  ScriptedModel,
  steppingClock,
} from "../../shared/testing/index.ts";
import { runUntilIdle } from "../support/run.ts";

const clock = steppingClock();

/** A store holding a thread that waits on `call_1` (an approval or a question), a recording queue. */
async function waiting(kind: "approval" | "human_input") {
  const store = new MemoryThreadStore();
  const model = new ScriptedModel([
    kind === "approval"
      ? call("divide", { a: 8, b: 2 })
      : call("request_more_information", { message: "which?" }),
  ]);
  const launched = launch({ agent: calculator, threadId: "thr_1", message: "8 / 2", clock });
  const { thread } = await runUntilIdle(launched, { agent: calculator, model, clock });
  expect(derivePending(thread.events)?.callId).toBe("call_1");
  await store.create({ thread, head: deriveHead(thread.events) });
  const sent: { threadId: string; version: number }[] = [];
  const deps = {
    store,
    clock,
    queue: {
      enqueue: async (message: { threadId: string; version: number }) => void sent.push(message),
    },
  } as unknown as RuntimeDeps;
  return { store, deps, sent };
}

describe("Function: respondToThread", () => {
  it("answers a repeated decision like the first, recording it once", async () => {
    const { store, deps } = await waiting("approval");
    const reply = { callId: "call_1", approved: true };
    const first = await respondToThread(deps, "thr_1", reply);
    const second = await respondToThread(deps, "thr_1", reply);
    expect(second).toEqual(first);
    const thread = await store.load("thr_1");
    expect(thread?.events.filter((e) => e.type === "approval_decision")).toHaveLength(1);
    expect(derivePending(thread?.events ?? [])).toBeNull();
  });

  it("still refuses another decision on the same call", async () => {
    const { deps } = await waiting("approval");
    await respondToThread(deps, "thr_1", { callId: "call_1", approved: true });
    await expect(
      respondToThread(deps, "thr_1", { callId: "call_1", approved: false }),
    ).rejects.toThrow(NotPendingError);
  });

  it("answers a repeated human response once, and refuses another text", async () => {
    const { store, deps } = await waiting("human_input");
    await respondToThread(deps, "thr_1", { callId: "call_1", response: "8 and 2" });
    await respondToThread(deps, "thr_1", { callId: "call_1", response: "8 and 2" });
    await expect(
      respondToThread(deps, "thr_1", { callId: "call_1", response: "8 and 3" }),
    ).rejects.toThrow(NotPendingError);
    const thread = await store.load("thr_1");
    expect(thread?.events.filter((e) => e.type === "human_response")).toHaveLength(1);
  });
});
