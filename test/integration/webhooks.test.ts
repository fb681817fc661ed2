import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../functions/api/webhooks.ts";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

const SECRET = "github-secret-0123456789";
let stack: LocalStack;
let api: ReturnType<typeof client>;

const snapshot = () => storeSnapshot(stack);

/** A request signed the way a sender signs it; `tamper` changes it after signing. */
function signed(body: string, options: { ts?: number; secret?: string; source?: string } = {}) {
  const ts = String(options.ts ?? Math.floor(Date.now() / 1000));
  return {
    path: `/hooks/${options.source ?? "github"}`,
    body,
    headers: {
      "x-twelve-timestamp": ts,
      "x-twelve-signature": signWebhook(options.secret ?? SECRET, ts, body),
    },
  };
}

const send = (request: { path: string; body: string; headers: Record<string, string> }) =>
  api.request("POST", request.path, request.body, request.headers);

beforeAll(async () => {
  stack = await startTestStack({ webhookSecrets: { github: SECRET } });
  api = client(stack);
});
afterAll(async () => {
  await stack?.stop();
});

describe("POST /hooks/{source}: signed webhooks", () => {
  it("launches a thread and answers its approval, each request once", async () => {
    const launch = signed(JSON.stringify({ agent: "calculator", message: "8 / 4" }));
    const launched = await send(launch);
    expect(launched.status).toBe(202);
    const waiting = await api.waitFor(launched.body.threadId, "waiting_for_approval");

    const approve = signed(
      JSON.stringify({
        threadId: waiting.threadId,
        callId: waiting.pending?.callId,
        approved: true,
      }),
    );
    expect((await send(approve)).status).toBe(202);
    expect((await api.waitFor(waiting.threadId, "done")).output).toBe("8 / 4 = 2");

    // Replays of either request: 401, nothing changes.
    const before = await snapshot();
    for (const request of [launch, approve]) {
      const replay = await send(request);
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe("replayed");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("accepts the sender's retry when the first delivery failed on our side", async () => {
    const request = signed(JSON.stringify({ agent: "calculator", message: "7 + 7" }));
    const store = stack.deps.store;
    const create = store.create.bind(store);
    store.create = async () => {
      store.create = create;
      throw new Error("DynamoDB throttled");
    };
    const failed = await send(request);
    expect(failed.status).toBe(500);
    const retried = await send(request);
    expect(retried.status).toBe(202);
    expect((await api.waitFor(retried.body.threadId, "done")).output).toBe("7 + 7 = 14");
  });

  it("refuses unsigned, stale, wrongly signed and tampered requests with 401, changing nothing", async () => {
    const body = JSON.stringify({ agent: "calculator", message: "1 + 1" });
    const good = signed(body);
    const cases: [
      string,
      { path: string; body: string; headers: Record<string, string> },
      string,
    ][] = [
      ["unsigned", { path: "/hooks/github", body, headers: {} }, "unsigned"],
      [
        "no timestamp",
        { ...good, headers: { "x-twelve-signature": good.headers["x-twelve-signature"] } },
        "unsigned",
      ],
      ["stale", signed(body, { ts: Math.floor(Date.now() / 1000) - 360 }), "stale_signature"],
      [
        "from the future",
        // A minute past the window: the cases are built before they are sent, seconds apart on a
        // loaded machine.
        signed(body, { ts: Math.floor(Date.now() / 1000) + 360 }),
        "stale_signature",
      ],
      ["wrong secret", signed(body, { secret: "another-secret-0123456789" }), "bad_signature"],
      ["tampered body", { ...good, body: body.replace("1 + 1", "1 + 2") }, "bad_signature"],
      [
        "garbage signature",
        { ...good, headers: { ...good.headers, "x-twelve-signature": "v1=zz" } },
        "bad_signature",
      ],
    ];
    const before = await snapshot();
    for (const [name, request, code] of cases) {
      const response = await send(request);
      expect(response.status, name).toBe(401);
      expect(response.body.error.code, name).toBe(code);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("answers an unknown source with 404 and a signed but invalid body with 400", async () => {
    const before = await snapshot();
    const unknown = await send(
      signed(JSON.stringify({ agent: "calculator", message: "1" }), { source: "gitlab" }),
    );
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "unknown_source"]);
    const invalid = await send(signed("{not json"));
    expect([invalid.status, invalid.body.error.code]).toEqual([400, "invalid_json"]);
    const wrong = await send(signed(JSON.stringify({ agent: "calculator" })));
    expect([wrong.status, wrong.body.error.code]).toEqual([400, "invalid_body"]);
    expect(await snapshot()).toEqual(before);
  });
});
