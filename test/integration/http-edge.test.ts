import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { encodeCursor } from "../../shared/aws/dynamo/cursor.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

const KEY = "edge-key-0123456789abcdef";
let stack: LocalStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startTestStack({ apiKey: KEY });
  api = client(stack, KEY);
});
afterAll(async () => {
  await stack?.stop();
});

describe("the HTTP edge, as a new user meets it", () => {
  it("answers a crafted cursor with an empty key (it used to reach DynamoDB: a 500) with 400", async () => {
    // Belongs to the listing (the index partition matches), but its other keys are empty.
    const crafted = [
      encodeCursor({ pk: "", sk: "", gsi1pk: "STATUS#done", gsi1sk: "" }),
      encodeCursor({ pk: "THREAD#x", sk: "META", gsi1pk: "STATUS#done", gsi1sk: "s".repeat(1025) }),
      encodeCursor({ pk: "THREAD#x", sk: "META", gsi1pk: "STATUS#done", gsi1sk: "\ud800" }),
    ];
    for (const cursor of crafted) {
      const response = await api.request("GET", `/threads?status=done&cursor=${cursor}`);
      expect(response.status, cursor).toBe(400);
      expect(response.body.error.code).toBe("invalid_cursor");
    }
  });

  it("answers a body that is not UTF-8 with 400 invalid_encoding and stores nothing", async () => {
    const before = await storeSnapshot(stack);
    const bytes = Buffer.concat([
      Buffer.from('{"agent": "calculator", "message": "caf'),
      Buffer.from([0xe9]), // Latin-1 é: not UTF-8
      Buffer.from('"}'),
    ]);
    const response = await fetch(`${stack.url}/threads`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: bytes,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: "invalid_encoding",
        message: "body is not valid UTF-8; send UTF-8 encoded JSON",
      },
    });
    expect(await storeSnapshot(stack)).toEqual(before);
  });

  it("takes the Bearer scheme in any case", async () => {
    for (const scheme of ["bearer", "BEARER", "Bearer"]) {
      const response = await client(stack).request("GET", "/threads?status=done", undefined, {
        authorization: `${scheme} ${KEY}`,
      });
      expect(response.status, scheme).toBe(200);
    }
  });

  it("answers HEAD /health with 200 and no body, without a token", async () => {
    const response = await fetch(`${stack.url}/health`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("answers HEAD wherever GET answers (HEAD /console was 405)", async () => {
    const response = await fetch(`${stack.url}/console`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("names the methods a path takes in the Allow header of a 405", async () => {
    const response = await fetch(`${stack.url}/threads`, {
      method: "PUT",
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST, GET");
  });

  it("routes //threads/{id} as /threads/{id}, not as /{id}", async () => {
    const { body } = await api.launch("calculator", "1 + 1");
    const response = await api.request("GET", `//threads/${body.threadId}`);
    expect(response.status).toBe(200);
    expect(response.body.threadId).toBe(body.threadId);
  });

  it("names the header, parameter or field at fault and what was expected", async () => {
    const cases: [string, string, unknown, Record<string, string>, string, string][] = [
      [
        "POST",
        "/threads",
        { agent: "calculator", message: 42 },
        {},
        "invalid_body",
        'body field "message": expected string, received number',
      ],
      [
        "POST",
        "/threads",
        { agent: "calculator" },
        {},
        "invalid_body",
        'body field "message": missing, expected string',
      ],
      [
        "POST",
        "/threads",
        { agent: "calculator", message: "1 + 1", extra: 1 },
        {},
        "invalid_body",
        'body: unknown field "extra"; expected only agent, message, metadata',
      ],
      ["POST", "/threads", [1, 2], {}, "invalid_body", "body: expected object, received array"],
      [
        "POST",
        "/threads",
        { agent: "calculator", message: "1 + 1", metadata: 3 },
        {},
        "invalid_body",
        'body field "metadata": expected object, received number',
      ],
      [
        "POST",
        "/threads",
        { agent: "calculator", message: "1 + 1" },
        { "idempotency-key": "with space" },
        "invalid_header",
        "header Idempotency-Key: expected 1-128 printable ASCII characters",
      ],
      [
        "GET",
        "/threads?status=sleeping",
        undefined,
        {},
        "invalid_query",
        'query parameter "status": expected one of "running"|"waiting_for_approval"|"waiting_for_human"|"waiting_for_agent"|"waiting_for_callback"|"done"|"failed"|"cancelled"',
      ],
      [
        "GET",
        "/threads?status=done&limit=1000",
        undefined,
        {},
        "invalid_query",
        'query parameter "limit": expected an integer from 1 to 100, got "1000"',
      ],
      [
        "GET",
        "/threads?status=done&colour=red",
        undefined,
        {},
        "invalid_query",
        'query string: unknown query parameter "colour"; expected only status, agent, limit, cursor',
      ],
      [
        "POST",
        "/threads/thr_x/responses",
        { callId: "call_1" },
        {},
        "invalid_body",
        "body: expected one of {callId, approved, comment?, argsHash?} or {callId, response} or {callId, result}",
      ],
      [
        "POST",
        "/threads/thr_x/responses",
        { callId: "call_1", approved: "yes" },
        {},
        "invalid_body",
        'body: expected one of {callId, approved, comment?, argsHash?} or {callId, response} or {callId, result}; closest: body field "approved": expected boolean, received string',
      ],
    ];
    for (const [method, path, body, headers, code, message] of cases) {
      const response = await api.request(method, path, body, headers);
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.body.error).toEqual({ code, message });
    }
  });

  it("answers the same human answer sent twice with 202, once recorded; another text with 409", async () => {
    const { body } = await api.launch("calculator", "hello");
    // The demo model asks which calculation to do.
    const thread = await api.waitFor(body.threadId, "waiting_for_human");
    const callId = thread.pending?.callId;
    const first = await api.respond(thread.threadId, { callId, response: "add 2 and 3" });
    const retried = await api.respond(thread.threadId, { callId, response: "add 2 and 3" });
    const other = await api.respond(thread.threadId, { callId, response: "add 4 and 5" });
    expect([first.status, retried.status, other.status]).toEqual([202, 202, 409]);
    const after = await api.get(thread.threadId);
    const answers = after.body.events.filter(
      (e: { type: string; data: { callId?: string } }) =>
        e.type === "human_response" && e.data.callId === callId,
    );
    expect(answers).toHaveLength(1);
  });
});
