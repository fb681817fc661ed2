import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack, storeSnapshot, type ThreadView } from "./local-stack.ts";

const KEY = "test-key-0123456789abcdef";
let stack: LocalStack;
let api: ReturnType<typeof client>;
let waiting: ThreadView;

const snapshot = () => storeSnapshot(stack);

beforeAll(async () => {
  stack = await startTestStack({ apiKey: KEY });
  api = client(stack, KEY);
  const { body } = await api.launch("calculator", "10 / 5");
  waiting = await api.waitFor(body.threadId, "waiting_for_approval");
});
afterAll(async () => {
  await stack?.stop();
});

describe("bad input gets a clear 4xx and changes nothing", () => {
  const big = "x".repeat(70_000);
  const cases: [string, string, string, unknown, number, string, Record<string, string>?][] = [
    ["malformed JSON", "POST", "/threads", '{"agent": "calculator",', 400, "invalid_json"],
    ["an empty body", "POST", "/threads", "", 400, "invalid_json"],
    ["a JSON array", "POST", "/threads", [1, 2], 400, "invalid_body"],
    ["a wrong type", "POST", "/threads", { agent: "calculator", message: 42 }, 400, "invalid_body"],
    ["a missing field", "POST", "/threads", { agent: "calculator" }, 400, "invalid_body"],
    [
      "an unknown field",
      "POST",
      "/threads",
      { agent: "calculator", message: "1+1", extra: 1 },
      400,
      "invalid_body",
    ],
    [
      "an unknown agent",
      "POST",
      "/threads",
      { agent: "nope", message: "hi" },
      404,
      "unknown_agent",
    ],
    [
      "a body over the limit",
      "POST",
      "/threads",
      { agent: "calculator", message: big },
      413,
      "payload_too_large",
    ],
    [
      "a bad idempotency key",
      "POST",
      "/threads",
      { agent: "calculator", message: "1+1" },
      400,
      "invalid_header",
      { "idempotency-key": "" },
    ],
    ["an unknown thread", "GET", "/threads/thr_doesnotexist", undefined, 404, "thread_not_found"],
    ["an impossible thread id", "GET", "/threads/%E0%A4%A", undefined, 404, "route_not_found"],
    // (No status is fine: the listing spans every status.)
    [
      "a list with an unknown parameter",
      "GET",
      "/threads?colour=red",
      undefined,
      400,
      "invalid_query",
    ],
    [
      "a list with a bad status",
      "GET",
      "/threads?status=sleeping",
      undefined,
      400,
      "invalid_query",
    ],
    [
      "a list with a bad limit",
      "GET",
      "/threads?status=done&limit=1000",
      undefined,
      400,
      "invalid_query",
    ],
    [
      "a list with a forged cursor",
      "GET",
      "/threads?status=done&cursor=bm9wZQ",
      undefined,
      400,
      "invalid_cursor",
    ],
    // One query-integer parser for every route: digits only.
    ["a list limit as 1e1", "GET", "/threads?limit=1e1", undefined, 400, "invalid_query"],
    ["a list limit as 0x5", "GET", "/threads?limit=0x5", undefined, 400, "invalid_query"],
    ["a list limit as +5", "GET", "/threads?limit=%2B5", undefined, 400, "invalid_query"],
    [
      "a duplicate key",
      "POST",
      "/threads",
      '{"agent": "calculator", "message": "1 + 1", "message": "2 + 2"}',
      400,
      "invalid_json",
    ],
    [
      "a number beyond a 64-bit float",
      "POST",
      "/threads",
      '{"agent": "calculator", "message": "1 + 1", "metadata": {"n": 1e999}}',
      400,
      "invalid_json",
    ],
    [
      "a duplicate key in a message",
      "POST",
      "/threads/thr_nope/messages",
      '{"message": "a", "message": "b"}',
      400,
      "invalid_json",
    ],
    ["an unknown route", "GET", "/nope", undefined, 404, "route_not_found"],
    ["a wrong method", "DELETE", "/threads", undefined, 405, "method_not_allowed"],
    [
      "a response to an unknown thread",
      "POST",
      "/threads/thr_nope/responses",
      { callId: "c", approved: true },
      404,
      "thread_not_found",
    ],
    // POST /callbacks/{token}: a token of the wrong shape is refused before the body is read; a
    // well-shaped one after (its body must be JSON within the limit), by the wait it names.
    [
      "a forged callback token",
      "POST",
      `/callbacks/thr_nope.${"A".repeat(22)}`,
      { ok: true },
      401,
      "invalid_callback_token",
    ],
    [
      "a malformed callback token",
      "POST",
      "/callbacks/not-a-token",
      { ok: true },
      401,
      "invalid_callback_token",
    ],
    [
      "a callback token too long",
      "POST",
      `/callbacks/thr_nope.${"A".repeat(65)}`,
      { ok: true },
      401,
      "invalid_callback_token",
    ],
    [
      "malformed JSON to a forged callback token",
      "POST",
      `/callbacks/thr_nope.${"A".repeat(22)}`,
      '{"ok": ',
      400,
      "invalid_json",
    ],
    [
      "a body over the limit to a callback",
      "POST",
      `/callbacks/thr_nope.${"A".repeat(22)}`,
      { ok: big },
      413,
      "payload_too_large",
    ],
    [
      "an impossible callback token",
      "POST",
      "/callbacks/%E0%A4%A",
      { ok: true },
      404,
      "route_not_found",
    ],
    [
      "a read of a callback",
      "GET",
      `/callbacks/thr_nope.${"A".repeat(22)}`,
      undefined,
      405,
      "method_not_allowed",
    ],
    ["a callback without a token", "POST", "/callbacks", { ok: true }, 404, "route_not_found"],
  ];

  it.each(cases)("%s", async (_name, method, path, body, status, code, headers) => {
    const before = await snapshot();
    const response = await api.request(method, path, body, headers ?? {});
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject({ code, message: expect.any(String) });
    expect(await snapshot()).toEqual(before);
  });

  it("names the field of a refused number and the bounds of a refused limit", async () => {
    const number = await api.request(
      "POST",
      "/threads",
      '{"agent": "calculator", "message": "1 + 1", "metadata": {"n": 1e999}}',
    );
    expect(number.body.error.message).toContain('body field "metadata.n": the number 1e999');
    const limit = await api.request("GET", `/threads/${waiting.threadId}/events?limit=1e1`);
    expect(limit.status).toBe(400);
    expect(limit.body.error.message).toBe(
      'query parameter "limit": expected an integer from 1 to 1000, got "1e1"',
    );
  });

  it("refuses answers that do not fit the pending call, with 409 or 400", async () => {
    const before = await snapshot();
    const id = waiting.threadId;
    const callId = waiting.pending?.callId;
    const answers: [unknown, number, string][] = [
      [{ callId: "call_999", approved: true }, 409, "not_pending"],
      [{ callId, response: "yes" }, 409, "not_pending"],
      [{ callId, approved: true, argsHash: "0".repeat(64) }, 409, "not_pending"],
      [{ callId, approved: "yes" }, 400, "invalid_body"],
      [{ callId }, 400, "invalid_body"],
    ];
    for (const [body, status, code] of answers) {
      const response = await api.respond(id, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.error.code).toBe(code);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a token forged for a real thread's call, without the bearer token too, changing nothing", async () => {
    const before = await snapshot();
    const anonymous = client(stack);
    const forged = `${waiting.threadId}.${"B".repeat(22)}`;
    for (const who of [api, anonymous]) {
      for (const body of [{ ok: true }, "null", '"x"']) {
        const response = await who.request("POST", `/callbacks/${forged}`, body);
        expect(response.status, JSON.stringify(body)).toBe(401);
        expect(response.body.error.code).toBe("invalid_callback_token");
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it("answers the same decision sent twice with 202 (recorded once), another decision with 409", async () => {
    const { body } = await api.launch("calculator", "20 / 4");
    const thread = await api.waitFor(body.threadId, "waiting_for_approval");
    const decision = {
      callId: thread.pending?.callId,
      approved: true,
      argsHash: thread.pending?.argsHash,
    };
    const first = await api.respond(thread.threadId, decision);
    const retried = await api.respond(thread.threadId, decision);
    const other = await api.respond(thread.threadId, {
      callId: thread.pending?.callId,
      approved: false,
    });
    expect([first.status, retried.status, other.status]).toEqual([202, 202, 409]);
    expect(retried.body).toMatchObject({ threadId: thread.threadId, status: expect.any(String) });
    expect(other.body.error.code).toBe("not_pending");
    const done = await api.waitFor(thread.threadId, "done");
    const decisions = done.events.filter((e: { type: string }) => e.type === "approval_decision");
    expect(decisions).toHaveLength(1);
  });

  it("needs the bearer token on every route but /health", async () => {
    const anonymous = client(stack);
    const wrong = client(stack, "wrong-key-0123456789");
    expect((await anonymous.request("GET", "/health")).status).toBe(200);
    for (const who of [anonymous, wrong]) {
      const before = await snapshot();
      const response = await who.launch("calculator", "1 + 1");
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("unauthorized");
      expect((await who.get(waiting.threadId)).status).toBe(401);
      expect(await snapshot()).toEqual(before);
    }
  });

  it("shows the rendered context of a thread (factor 2)", async () => {
    const response = await api.request("GET", `/threads/${waiting.threadId}/context`);
    expect(response.status).toBe(200);
    expect(response.body.messages[1].content).toContain("<user_message>\n10 / 5\n</user_message>");
    expect(response.body.tools.map((t: { name: string }) => t.name)).toContain("divide");
  });
});
