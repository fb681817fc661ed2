import { describe, expect, it } from "vitest";
import { launch } from "../../shared/core/lifecycle.ts";
import type { StepMessage, ThreadStore, ThreadWaitingNotice } from "../../shared/core/ports.ts";
import { deriveHead, type Thread } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { DemoModel } from "../../shared/examples/demo-model.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
import { MemoryThreadStore } from "../../shared/testing/index.ts";
import { VirtualClock } from "../fault-kit/virtual-clock.ts";

/**
 * Regressions the fault harness found in `processStep`: a crash between saving a pause and
 * publishing its notice left the thread waiting with nobody told (the redelivered message was
 * dropped as stale), and a duplicate delivery that lost the append race deleted the message
 * even when the winner had died before enqueueing or announcing what followed.
 */
function setup(message: string) {
  const store = new MemoryThreadStore();
  const sent: StepMessage[] = [];
  const notices: ThreadWaitingNotice[] = [];
  const clock = new VirtualClock();
  const deps: RuntimeDeps = {
    agents: new Map([[calculator.name, calculator]]),
    store,
    queue: { enqueue: async (m) => void sent.push(m) },
    notifier: { threadWaiting: async (notice) => void notices.push(notice) },
    model: new DemoModel(),
    clock,
    ids: { threadId: () => "t1" },
    threadLink: (id) => `https://twelve.test/threads/${id}`,
  };
  const thread = launch({ agent: calculator, threadId: "t1", message, clock });
  return { store, sent, notices, deps, thread };
}

/** The deps with a notifier that dies (the Lambda stops) on its first notice. */
const crashingNotifier = (deps: RuntimeDeps): RuntimeDeps => ({
  ...deps,
  notifier: {
    threadWaiting: async () => {
      throw new Error("crash before the notice went out");
    },
  },
});

/** A store whose first load returns `snapshot`: a delivery that read before another wrote. */
function staleFirstLoad(store: ThreadStore, snapshot: Thread): ThreadStore {
  let first = true;
  return {
    create: (input) => store.create(input),
    list: (query) => store.list(query),
    readEvents: (threadId, query) => store.readEvents(threadId, query),
    delete: (threadId) => store.delete(threadId),
    append: (read, events, head) => store.append(read, events, head),
    queueMessage: (read, message) => store.queueMessage(read, message),
    load: async (id) => {
      if (!first) return store.load(id);
      first = false;
      return snapshot;
    },
  };
}

describe("processStep after a crash between the write and what follows it", () => {
  it("announces again a pause whose notice was lost, when the message comes back", async () => {
    // Prepare: 9 / 3 pauses for approval at once; the notice is lost to a crash
    const { store, notices, deps, thread } = setup("9 / 3");
    await store.create({ thread, head: deriveHead(thread.events) });
    await expect(
      processStep(crashingNotifier(deps), { threadId: "t1", version: 1 }),
    ).rejects.toThrow("crash before the notice");
    expect((await store.load("t1"))?.events.at(-1)?.type).toBe("approval_requested");

    // Act: SQS delivers the undeleted message again
    const outcome = await processStep(deps, { threadId: "t1", version: 1 });

    // Assess
    expect(outcome).toBe("reannounced");
    expect(notices).toEqual([
      expect.objectContaining({ threadId: "t1", status: "waiting_for_approval", tool: "divide" }),
    ]);
  });

  it("drops a stale message once the pause it made was answered and passed", async () => {
    // Prepare: paused, announced, answered
    const { store, notices, deps, thread } = setup("9 / 3");
    await store.create({ thread, head: deriveHead(thread.events) });
    await processStep(deps, { threadId: "t1", version: 1 });
    const callId = notices[0]?.callId ?? "";
    await respondToThread(deps, "t1", { callId, approved: true });
    await processStep(deps, { threadId: "t1", version: 4 });

    // Act: the first message once more, long after
    const outcome = await processStep(deps, { threadId: "t1", version: 1 });

    // Assess: the thread is done; nothing is announced twice
    expect(outcome).toBe("stale");
    expect(notices).toHaveLength(1);
  });

  it("re-sends the next step when it loses the race to a delivery that died before enqueueing", async () => {
    // Prepare: delivery A steps 1 + 2 * 3 from version 1 and dies before its enqueue
    const { store, sent, deps, thread } = setup("1 + 2 * 3");
    await store.create({ thread, head: deriveHead(thread.events) });
    const lost: RuntimeDeps = { ...deps, queue: { enqueue: async () => {} } };
    await processStep(lost, { threadId: "t1", version: 1 });
    expect(sent).toEqual([]);

    // Act: delivery B of the same message had read version 1 before A wrote
    const outcome = await processStep(
      { ...deps, store: staleFirstLoad(store, thread) },
      { threadId: "t1", version: 1 },
    );

    // Assess: B lost the append but sent the step A owed (A saved the model's call: version 2)
    expect(outcome).toBe("lost_race");
    expect(sent).toEqual([{ threadId: "t1", version: 2 }]);
  });

  it("announces the pause when it loses the race to a delivery that died before announcing", async () => {
    // Prepare
    const { store, notices, deps, thread } = setup("9 / 3");
    await store.create({ thread, head: deriveHead(thread.events) });
    await processStep(crashingNotifier(deps), { threadId: "t1", version: 1 }).catch(() => {});

    // Act
    const outcome = await processStep(
      { ...deps, store: staleFirstLoad(store, thread) },
      { threadId: "t1", version: 1 },
    );

    // Assess
    expect(outcome).toBe("lost_race");
    expect(notices).toEqual([expect.objectContaining({ threadId: "t1", tool: "divide" })]);
  });
});
