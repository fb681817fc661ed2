import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { deriveHead, deriveStatus, type Status } from "../../shared/core/thread.ts";
import { client, startTestStack } from "./local-stack.ts";

const at = "2026-12-01T10:00:00.000Z";
const ask: ThreadEvent = { type: "user_message", at, data: { message: "What is 8 / 2?" } };

/** The events of a calculator thread in each status, as a step would have left them. */
const threads: Record<Status, ThreadEvent[]> = {
  running: [ask],
  waiting_for_approval: [
    ask,
    {
      type: "tool_call",
      at,
      data: { callId: "call_1", tool: "divide", args: { a: 8, b: 2 }, source: "model" },
    },
    {
      type: "approval_requested",
      at,
      data: { callId: "call_1", tool: "divide", args: { a: 8, b: 2 }, argsHash: "h" },
    },
  ],
  waiting_for_human: [
    ask,
    {
      type: "tool_call",
      at,
      data: {
        callId: "call_1",
        tool: "request_more_information",
        args: { message: "Which?" },
        source: "model",
      },
    },
    {
      type: "human_input_requested",
      at,
      data: {
        callId: "call_1",
        tool: "request_more_information",
        args: { message: "Which?" },
        message: "Which?",
        reason: "tool",
      },
    },
  ],
  waiting_for_callback: [
    ask,
    {
      type: "tool_call",
      at,
      data: { callId: "call_1", tool: "run_ci", args: { ref: "main" }, source: "model" },
    },
    {
      type: "callback_requested",
      at,
      data: {
        callId: "call_1",
        tool: "run_ci",
        args: { ref: "main" },
        tokenHash: "h",
        expiresAt: "2026-12-02T10:00:00.000Z",
      },
    },
  ],
  done: [
    ask,
    {
      type: "tool_call",
      at,
      data: { callId: "call_1", tool: "done_for_now", args: { message: "4" }, source: "model" },
    },
    { type: "done", at, data: { callId: "call_1", output: "4" } },
  ],
  failed: [ask, { type: "failed", at, data: { reason: "poisoned" } }],
  cancelled: [ask, { type: "cancelled", at, data: {} }],
  waiting_for_agent: [
    ask,
    {
      type: "tool_call",
      at,
      data: { callId: "call_1", tool: "helper", args: { message: "8 / 2" }, source: "model" },
    },
    {
      type: "child_requested",
      at,
      data: { callId: "call_1", tool: "helper", agent: "helper", message: "8 / 2", depth: 1 },
    },
  ],
};

type Verb = { method: string; path: (id: string) => string; body?: unknown };

/** Every verb of the conversation API, with a body that is valid for some status. */
const verbs: Record<string, Verb> = {
  message: {
    method: "POST",
    path: (id) => `/threads/${id}/messages`,
    body: { message: "And 2 + 2?" },
  },
  "message (reject)": {
    method: "POST",
    path: (id) => `/threads/${id}/messages`,
    body: { message: "And 2 + 2?", ifRunning: "reject" },
  },
  "message (interrupt)": {
    method: "POST",
    path: (id) => `/threads/${id}/messages`,
    body: { message: "And 2 + 2?", ifRunning: "interrupt" },
  },
  approve: {
    method: "POST",
    path: (id) => `/threads/${id}/responses`,
    body: { callId: "call_1", approved: true },
  },
  answer: {
    method: "POST",
    path: (id) => `/threads/${id}/responses`,
    body: { callId: "call_1", response: "2 + 2" },
  },
  cancel: { method: "POST", path: (id) => `/threads/${id}/cancel` },
  fork: { method: "POST", path: (id) => `/threads/${id}/fork` },
  delete: { method: "DELETE", path: (id) => `/threads/${id}` },
  events: { method: "GET", path: (id) => `/threads/${id}/events?after=0` },
  get: { method: "GET", path: (id) => `/threads/${id}` },
};

/** What each verb answers in each status: a status code, or a status code and an error code. */
const expected: Record<string, Record<Status, [number, string?]>> = {
  message: {
    running: [202],
    waiting_for_approval: [409, "approval_pending"],
    waiting_for_human: [202],
    waiting_for_callback: [202],
    done: [202],
    failed: [409, "thread_closed"],
    cancelled: [409, "thread_closed"],
    waiting_for_agent: [202],
  },
  "message (reject)": {
    running: [409, "thread_busy"],
    waiting_for_approval: [409, "approval_pending"],
    waiting_for_human: [202],
    waiting_for_callback: [202],
    done: [202],
    failed: [409, "thread_closed"],
    cancelled: [409, "thread_closed"],
    waiting_for_agent: [409, "thread_busy"],
  },
  "message (interrupt)": {
    running: [202],
    waiting_for_approval: [409, "approval_pending"],
    waiting_for_human: [202],
    waiting_for_callback: [202],
    done: [202],
    failed: [409, "thread_closed"],
    cancelled: [409, "thread_closed"],
    waiting_for_agent: [202],
  },
  approve: {
    running: [409, "not_pending"],
    waiting_for_approval: [202],
    waiting_for_human: [409, "not_pending"],
    waiting_for_callback: [409, "not_pending"],
    done: [409, "not_pending"],
    failed: [409, "thread_closed"],
    cancelled: [409, "thread_closed"],
    waiting_for_agent: [409, "not_pending"],
  },
  answer: {
    running: [409, "not_pending"],
    waiting_for_approval: [409, "not_pending"],
    waiting_for_human: [202],
    waiting_for_callback: [409, "not_pending"],
    done: [409, "not_pending"],
    failed: [409, "thread_closed"],
    cancelled: [409, "thread_closed"],
    waiting_for_agent: [409, "not_pending"],
  },
  cancel: {
    running: [202],
    waiting_for_approval: [202],
    waiting_for_human: [202],
    waiting_for_callback: [202],
    done: [409, "thread_closed"],
    failed: [409, "thread_closed"],
    cancelled: [202],
    waiting_for_agent: [202],
  },
  fork: {
    running: [201],
    waiting_for_approval: [201],
    waiting_for_human: [201],
    waiting_for_callback: [201],
    done: [201],
    failed: [201],
    cancelled: [409, "thread_closed"],
    waiting_for_agent: [201],
  },
  delete: {
    running: [204],
    waiting_for_approval: [204],
    waiting_for_human: [204],
    waiting_for_callback: [204],
    done: [204],
    failed: [204],
    cancelled: [204],
    waiting_for_agent: [204],
  },
  events: {
    running: [200],
    waiting_for_approval: [200],
    waiting_for_human: [200],
    waiting_for_callback: [200],
    done: [200],
    failed: [200],
    cancelled: [200],
    waiting_for_agent: [200],
  },
  get: {
    running: [200],
    waiting_for_approval: [200],
    waiting_for_human: [200],
    waiting_for_callback: [200],
    done: [200],
    failed: [200],
    cancelled: [200],
    waiting_for_agent: [200],
  },
};

describe("every verb on a thread in every status (DynamoDB Local, fauxqs)", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startTestStack();
    api = client(stack);
  });
  afterAll(() => stack?.stop());

  /** A thread stored in `status`, as the worker would have saved it. */
  async function seed(status: Status): Promise<string> {
    const events = threads[status];
    expect(deriveStatus(events)).toBe(status);
    const thread = {
      id: `thr_${randomBytes(12).toString("base64url")}`,
      agent: "calculator",
      events,
    };
    await stack.deps.store.create({ thread, head: deriveHead(events) });
    return thread.id;
  }

  const cases = Object.keys(verbs).flatMap((verb) =>
    (Object.keys(threads) as Status[]).map((status) => [verb, status] as const),
  );

  it.each(cases)("%s on a %s thread", async (verb, status) => {
    // Prepare
    const { method, path, body } = verbs[verb] as Verb;
    const id = await seed(status);
    const before = await stack.deps.store.load(id);

    // Act
    const answer = await api.request(method, path(id), body);

    // Assess: the answer; a refusal names its code and changes nothing
    const [code, error] = expected[verb]?.[status] ?? [0];
    expect(answer.status, JSON.stringify(answer.body)).toBe(code);
    if (error) {
      expect(answer.body.error.code).toBe(error);
      expect(await stack.deps.store.load(id)).toEqual(before);
    }
    if (verb === "delete") expect(await stack.deps.store.load(id)).toBeUndefined();
    if (verb === "cancel" && code === 202) {
      expect(deriveStatus((await stack.deps.store.load(id))?.events ?? [])).toBe("cancelled");
    }
  });
});
