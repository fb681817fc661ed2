import { describe, expect, it } from "vitest";
import * as z from "zod";
import { emailChannel } from "../../shared/channels/email/channel.ts";
import { noticeOf } from "../../shared/channels/notices.ts";
import { callbackMessage } from "../../shared/channels/slack/messages.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import {
  callbackToStart,
  completeCallback,
  recordCallbackStart,
  reissueCallback,
} from "../../shared/core/callback.ts";
import { NotPendingError } from "../../shared/core/errors.ts";
import { hashToken } from "../../shared/core/hash.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { fork } from "../../shared/core/lifecycle.ts";
import type { CallbackWaitingNotice, StepMessage } from "../../shared/core/ports.ts";
import { deriveCallbackWait, deriveStatus, type Thread } from "../../shared/core/thread.ts";
import { defineTool, idempotencyKey } from "../../shared/core/tool.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { forkThread } from "../../shared/runtime/fork-thread.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { MemoryThreadStore } from "../../shared/runtime/memory-store.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import {
  call,
  callbackRequested,
  callbackStarted,
  ScriptedModel,
  toolCall,
  toolResult,
  userMessage,
} from "../../shared/testing/index.ts";

const HOUR = 3_600_000;
const NOW = "2026-12-01T09:00:00.000Z";
const clock = { now: () => new Date(NOW) };

/** A CI tool whose `start` records what it was handed. */
function ciTool() {
  const started: { threadId: string; token: string; key: string }[] = [];
  const tool = defineTool({
    name: "run_ci",
    description: "Run CI on a ref; the CI calls back.",
    input: z.object({ ref: z.string() }),
    kind: "callback",
    timeoutMs: HOUR,
    start: (_args, { threadId, callback, idempotencyKey: key }) => {
      started.push({ threadId, token: callback.token, key });
    },
  });
  const agent = defineAgent({ name: "releaser", prompt: "Release.", tools: [tool, doneForNow] });
  return { tool, agent, started };
}

/** A thread of `id` waiting on call_1 of run_ci, with the token `<id>.source-secret`. */
function waitingThread(id: string, started: boolean): Thread {
  const events = [
    userMessage("release main"),
    toolCall("call_1", "run_ci", { ref: "main" }),
    callbackRequested(
      "call_1",
      "run_ci",
      { ref: "main" },
      {
        tokenHash: hashToken(`${id}.source-secret`),
        expiresAt: "2026-12-01T09:30:00.000Z",
      },
    ),
  ];
  return {
    id,
    agent: "releaser",
    events: started ? [...events, callbackStarted("call_1")] : events,
  };
}

describe("Function: callbackToStart", () => {
  it("owes the start of a wait with no callback_started after its request, and of none with one", () => {
    expect(callbackToStart(waitingThread("thr_a", false))).toMatchObject({ callId: "call_1" });
    const started = waitingThread("thr_a", true);
    expect(callbackToStart(started)).toBeNull();
    // The record keeps the thread waiting, on the same call.
    expect(deriveStatus(started.events)).toBe("waiting_for_callback");
    expect(deriveCallbackWait(started.events)?.callId).toBe("call_1");
  });
});

describe("Function: completeCallback with a token issued again", () => {
  /** thr_a waiting on call_1: a first request (token `thr_a.first`), started, then issued again. */
  function reissuedThread(): Thread {
    const first = waitingThread("thr_a", true);
    const again = callbackRequested(
      "call_1",
      "run_ci",
      { ref: "main" },
      { tokenHash: hashToken("thr_a.second"), expiresAt: "2026-12-01T10:30:00.000Z" },
    );
    // The first request's token is thr_a.source-secret; it expires at 09:30.
    return { ...first, events: [...first.events, again, callbackStarted("call_1")] };
  }

  it("accepts any token of the live call, with the newest request's expiry", () => {
    // Prepare: past the first request's expiry, before the newest one's.
    const { agent } = ciTool();
    const thread = reissuedThread();
    const context = { agent, clock: { now: () => new Date("2026-12-01T09:45:00.000Z") } };

    // Act
    const event = completeCallback(thread, { token: "thr_a.source-secret" }, { ok: true }, context);

    // Assess
    expect(event).toMatchObject({
      type: "tool_result",
      data: { callId: "call_1", tool: "run_ci", result: { ok: true } },
    });
    const late = { agent, clock: { now: () => new Date("2026-12-01T10:30:00.000Z") } };
    expect(() => completeCallback(thread, { token: "thr_a.source-secret" }, 1, late)).toThrow(
      /expired at 2026-12-01T10:30:00.000Z/,
    );
  });

  it("refuses a token of the call once answered, but for the same answer again", () => {
    // Prepare
    const { agent } = ciTool();
    const waiting = reissuedThread();
    const answer = toolResult("call_1", "run_ci", { ok: true });
    const answered: Thread = { ...waiting, events: [...waiting.events, answer] };
    const context = { agent, clock };

    // Act + Assess
    expect(
      completeCallback(answered, { token: "thr_a.source-secret" }, { ok: true }, context),
    ).toBeNull();
    expect(() =>
      completeCallback(answered, { token: "thr_a.source-secret" }, { ok: false }, context),
    ).toThrow(/answered already/);
    expect(() =>
      completeCallback(answered, { token: "thr_a.second" }, { ok: false }, context),
    ).toThrow(NotPendingError);
  });

  it("refuses the token of an earlier, finished call while a later call of the same id waits", () => {
    // Prepare: call_1 was answered; the model called run_ci again under the same call id.
    const { agent } = ciTool();
    const finished = waitingThread("thr_a", true);
    const again = callbackRequested(
      "call_1",
      "run_ci",
      { ref: "next" },
      { tokenHash: hashToken("thr_a.later"), expiresAt: "2026-12-01T10:30:00.000Z" },
    );
    const thread: Thread = {
      ...finished,
      events: [
        ...finished.events,
        toolResult("call_1", "run_ci", { ok: true }),
        toolCall("call_1", "run_ci", { ref: "next" }),
        again,
        callbackStarted("call_1"),
      ],
    };
    const context = { agent, clock };

    // Act + Assess
    expect(() =>
      completeCallback(thread, { token: "thr_a.source-secret" }, { ok: false }, context),
    ).toThrow(NotPendingError);
    expect(
      completeCallback(thread, { token: "thr_a.later" }, { ok: false }, context),
    ).toMatchObject({
      type: "tool_result",
    });
  });
});

describe("Function: fork of a thread waiting on a callback", () => {
  it("copies the wait, never inherits it: the fork owes a start, and its new request names the fork", () => {
    // Prepare
    const { agent } = ciTool();
    const source = waitingThread("thr_src", true);

    // Act
    const copy = fork(source, { version: source.events.length, threadId: "thr_fork", clock });
    const again = reissueCallback(copy, { agent, clock, secret: () => "fork-secret" });

    // Assess: the fork's events are the copy; its wait's start is owed (its token names the source).
    expect(copy.events).toEqual(source.events);
    expect(callbackToStart(copy)).toMatchObject({ callId: "call_1", tool: "run_ci" });
    expect(callbackToStart(source)).toBeNull();
    expect(again?.token).toBe("thr_fork.fork-secret");
    expect(again?.event).toEqual({
      type: "callback_requested",
      at: NOW,
      data: {
        callId: "call_1",
        tool: "run_ci",
        args: { ref: "main" },
        tokenHash: hashToken("thr_fork.fork-secret"),
        expiresAt: new Date(Date.parse(NOW) + HOUR).toISOString(),
      },
    });
    const reissued: Thread = { ...copy, events: [...copy.events, again?.event ?? userMessage("")] };
    // Once its start is recorded, nothing is owed; the fork's token answers, the copied one not.
    const recorded = recordCallbackStart(
      reissued,
      "call_1",
      hashToken("thr_fork.fork-secret"),
      clock,
    );
    expect(recorded).toEqual({ type: "callback_started", at: NOW, data: { callId: "call_1" } });
    expect(
      callbackToStart({ ...reissued, events: [...reissued.events, recorded ?? userMessage("")] }),
    ).toBeNull();
    const context = { agent, clock };
    expect(completeCallback(reissued, { token: "thr_fork.fork-secret" }, 1, context)).toMatchObject(
      { type: "tool_result", data: { callId: "call_1", result: 1 } },
    );
    expect(() =>
      completeCallback(reissued, { token: "thr_src.source-secret" }, 1, context),
    ).toThrow(NotPendingError);
  });

  it("records no start for a token that is no longer the wait's", () => {
    const thread = waitingThread("thr_a", false);
    expect(recordCallbackStart(thread, "call_1", hashToken("thr_a.old"), clock)).toBeNull();
    expect(
      recordCallbackStart(thread, "call_1", hashToken("thr_a.source-secret"), clock),
    ).not.toBeNull();
  });
});

describe("Method: createRunner fork", () => {
  it("issues the fork its own token and expiry and runs start again under the fork's key", async () => {
    // Prepare
    const { agent, started } = ciTool();
    const notices: CallbackWaitingNotice[] = [];
    const runner = createRunner({
      agents: [agent],
      model: new ScriptedModel([
        call("run_ci", { ref: "main" }),
        call("done_for_now", { message: "fork released" }),
        call("done_for_now", { message: "source released" }),
      ]),
      notifier: {
        threadWaiting: async () => {},
        callbackWaiting: async (notice) => void notices.push(notice),
      },
    });
    const source = await runner.launch(agent, "release main");

    // Act
    const forked = await runner.fork(source.threadId);

    // Assess: a second start, for the fork, with the fork's key and a token naming the fork.
    expect(forked.status).toBe("waiting_for_callback");
    expect(started.map((s) => s.threadId)).toEqual([source.threadId, forked.threadId]);
    const [first, second] = started as [(typeof started)[0], (typeof started)[0]];
    expect(second.key).toBe(idempotencyKey(forked.threadId, "call_1"));
    expect(second.key).not.toBe(first.key);
    expect(second.token.startsWith(`${forked.threadId}.`)).toBe(true);
    expect(forked.events.filter((e) => e.type === "callback_requested")).toHaveLength(2);
    expect(forked.events.at(-1)).toMatchObject({ type: "callback_started" });
    // Each wait was announced once, with its own id; no notice carries a token or its hash.
    expect(notices.map((n) => n.threadId)).toEqual([source.threadId, forked.threadId]);
    expect(notices[1]).toMatchObject({
      id: `${forked.threadId}:call_1:${forked.events.length - 1}`,
      status: "waiting_for_callback",
      tool: "run_ci",
      args: { ref: "main" },
      expiresAt: deriveCallbackWait(forked.events)?.expiresAt,
    });
    const published = JSON.stringify(notices);
    for (const { token } of started) {
      expect(published).not.toContain(token.split(".")[1]);
      expect(published).not.toContain(hashToken(token));
    }

    // The fork's token finishes the fork; the source's finishes the source only.
    const forkDone = await runner.callback(second.token, { ok: true });
    expect([forkDone.threadId, forkDone.status, forkDone.output]).toEqual([
      forked.threadId,
      "done",
      "fork released",
    ]);
    expect((await runner.get(source.threadId)).status).toBe("waiting_for_callback");
    const sourceDone = await runner.callback(first.token, { ok: true });
    expect([sourceDone.threadId, sourceDone.status]).toEqual([source.threadId, "done"]);
  });
});

describe("Function: forkThread of a thread waiting on a callback", () => {
  it("answers the fork's status after its start: running when the fork's start throws", async () => {
    // Prepare: a source waiting on run_ci; the CI refuses the fork's start.
    const tool = defineTool({
      name: "run_ci",
      description: "Run CI on a ref; the CI calls back.",
      input: z.object({ ref: z.string() }),
      kind: "callback",
      timeoutMs: HOUR,
      start: (_args, { threadId }) => {
        if (threadId !== "thr_src") throw new Error("CI is down");
      },
    });
    const agent = defineAgent({ name: "releaser", prompt: "Release.", tools: [tool, doneForNow] });
    const ids = ["thr_src", "thr_fork"];
    const queued: StepMessage[] = [];
    const deps: RuntimeDeps = {
      agents: agentMap([agent]),
      store: new MemoryThreadStore(),
      queue: { enqueue: async (message) => void queued.push(message) },
      notifier: { threadWaiting: async () => {} },
      model: new ScriptedModel([call("run_ci", { ref: "main" })]),
      clock,
      ids: { threadId: () => ids.shift() ?? "thr_more", callbackSecret: () => "s3cr3t-s3cr3t" },
      threadLink: (id) => id,
      random: () => 0,
    };
    await launchThread(deps, { agent: "releaser", message: "release main" });
    await processStep(deps, queued.shift() as StepMessage);

    // Act
    const forked = await forkThread(deps, { threadId: "thr_src" });

    // Assess: the fork's call is closed by the error, and the answer says so.
    const stored = await deps.store.load(forked.threadId);
    expect(stored?.events.at(-1)).toMatchObject({ type: "error", data: { code: "tool_failed" } });
    expect(forked.status).toBe("running");
    expect(forked.status).toBe(deriveStatus(stored?.events ?? []));
    expect((await deps.store.load("thr_src"))?.events.at(-1)).toMatchObject({
      type: "callback_started",
    });
  });
});

describe("Function: startCallback when recording its start fails for a moment", () => {
  it("records the start after a retryable error, without running start again", async () => {
    // Prepare: the first append of callback_started is throttled.
    const { agent, started } = ciTool();
    const store = new MemoryThreadStore();
    const append = store.append.bind(store);
    let throttled = 0;
    store.append = async (read, events, head) => {
      if (events.some((event) => event.type === "callback_started") && throttled++ === 0) {
        throw new Error("ProvisionedThroughputExceededException");
      }
      return append(read, events, head);
    };
    const queued: StepMessage[] = [];
    const notices: CallbackWaitingNotice[] = [];
    const deps: RuntimeDeps = {
      agents: agentMap([agent]),
      store,
      queue: { enqueue: async (message) => void queued.push(message) },
      notifier: {
        threadWaiting: async () => {},
        callbackWaiting: async (notice) => void notices.push(notice),
      },
      model: new ScriptedModel([call("run_ci", { ref: "main" })]),
      clock,
      ids: { threadId: () => "thr_a", callbackSecret: () => "s3cr3t-s3cr3t" },
      threadLink: (id) => id,
      random: () => 0,
    };
    await launchThread(deps, { agent: "releaser", message: "release main" });

    // Act
    await processStep(deps, queued.shift() as StepMessage);

    // Assess: one start, its record saved, the wait announced.
    const thread = await store.load("thr_a");
    expect(throttled).toBe(2);
    expect(started).toHaveLength(1);
    expect(thread?.events.at(-1)).toMatchObject({ type: "callback_started" });
    expect(thread && callbackToStart(thread)).toBeNull();
    expect(notices).toHaveLength(1);
  });
});

describe("Notices of a callback wait", () => {
  const notice: CallbackWaitingNotice = {
    id: "thr_1:call_1:3",
    threadId: "thr_1",
    agent: "releaser",
    status: "waiting_for_callback",
    callId: "call_1",
    tool: "run_ci",
    args: { ref: "<main>" },
    expiresAt: "2026-12-01T10:00:00.000Z",
    link: "https://api.example.com/threads/thr_1",
  };

  it("are read back from their EventBridge event, and refused without an expiry", () => {
    const event = { "detail-type": "thread.waiting_for_callback", detail: notice };
    expect(noticeOf(event)).toEqual({ type: "thread.waiting_for_callback", data: notice });
    const { expiresAt: _gone, ...partial } = notice;
    expect(noticeOf({ ...event, detail: partial })).toBeNull();
  });

  it("post a Slack message with the tool and the expiry and nothing to press; email stays quiet", () => {
    const message = callbackMessage(notice);
    const text = JSON.stringify(message);
    expect(message.text).toBe(
      "releaser waits for run_ci to call back, until 2026-12-01T10:00:00.000Z (thread thr_1)",
    );
    expect(text).toContain("&lt;main&gt;");
    expect(text).not.toContain('"actions"');
    expect(message.metadata.event_payload.noticeId).toBe(notice.id);
    const email = emailChannel(
      {
        from: "twelve@example.com",
        approvers: { "*": ["ops@example.com"] },
        linkSecret: "0123456789abcdef0123456789abcdef",
        linkTtlSeconds: 60,
      },
      { sendMail: async () => {} },
    );
    expect(email.wants({ type: "thread.waiting_for_callback", data: notice })).toBe(false);
  });
});
