import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApiHandler } from "../../functions/api/app.ts";
import { signWebhook } from "../../functions/api/webhooks.ts";
import { deriveStatus, type Thread } from "../../shared/core/thread.ts";
import {
  callbackCase,
  chaosCase,
  type HttpCase,
  heavyCase,
  launchCase,
  readCase,
  responseCase,
  text,
  toEvent,
  webhookCase,
} from "./arbitraries.ts";
import {
  CLOCK_START,
  difference,
  freshWorld,
  HOOK_SECRET,
  HOOK_SOURCE,
  runs,
  SEED_KEY,
  type Snapshot,
  silentLogger,
  snapshot,
  timeout,
  type World,
} from "./world.ts";

/*
 * The HTTP contract under hostile input, driven through the real API handler with in-memory
 * ports: never a 5xx, every error in the contract's shape, a rejected request changes nothing,
 * and an accepted one changes exactly what it says.
 */

const MAX_BODY_BYTES = 64 * 1024;
const API_KEY = "property-key-0123456789abcdef";

type Handler = ReturnType<typeof createApiHandler>;

/** Status codes seen per property: a property that never reaches a 2xx proves little. */
type Tally = Map<number, number>;

async function exercise(
  request: HttpCase,
  tally: Tally,
  options: { apiKey?: string; webhooks?: boolean } = {},
  reshape: (event: APIGatewayProxyEventV2) => APIGatewayProxyEventV2 = (event) => event,
): Promise<{ world: World; handler: Handler; response: APIGatewayProxyStructuredResultV2 }> {
  const world = await freshWorld();
  const handler: Handler = createApiHandler(world.deps, {
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.webhooks
      ? {
          webhooks: {
            sources: async () => ({ [HOOK_SOURCE]: { format: "twelve", secret: HOOK_SECRET } }),
            replayGuard: world.replayGuard,
          },
        }
      : {}),
    maxBodyBytes: MAX_BODY_BYTES,
    logger: silentLogger,
  });
  const event = reshape(toEvent(request));
  const before = await snapshot(world);
  const response = await handler(event);
  const after = await snapshot(world);
  const status = response.statusCode ?? 0;
  tally.set(status, (tally.get(status) ?? 0) + 1);

  expect(status, "a 5xx is a bug").toBeLessThan(500);
  expect(status).toBeGreaterThanOrEqual(200);
  // A HEAD answer is a GET answer's headers without its body.
  if (request.method === "HEAD" && status < 300) {
    expect(response.headers?.["content-type"]).toMatch(/^application\/json/);
    expect(response.body ?? "").toBe("");
    expect(difference(before, after), "a read changed state").toBeNull();
    return { world, handler, response };
  }
  // A DELETE that worked: no body, and that one thread gone, nothing else touched.
  if (request.method === "DELETE" && status === 204) {
    expect(response.body ?? "").toBe("");
    const gone = [...before.threads.keys()].filter((id) => !after.threads.has(id));
    expect(gone).toHaveLength(1);
    for (const id of gone) before.threads.delete(id);
    expect(difference(before, after), "a delete changed more than its thread").toBeNull();
    return { world, handler, response };
  }
  expect(response.headers?.["content-type"]).toMatch(/^application\/json/);
  const body: unknown = JSON.parse(response.body ?? "");
  if (status >= 300) {
    expect(body).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });
    expect(difference(before, after), "a rejected request changed state").toBeNull();
  } else if (request.method !== "POST") {
    expect(difference(before, after), "a read changed state").toBeNull();
  } else {
    await acceptedPost(world, intentOf(event), before, after, body);
    await readBack(handler, (body as { threadId: string }).threadId, options.apiKey);
  }
  return { world, handler, response };
}

/** What an accepted POST asked for, read from the request as the client sent it. */
type Intent =
  | { kind: "launch"; body: Record<string, unknown>; replayable: boolean }
  | { kind: "answer"; threadId: string; body: Record<string, unknown> };

/** Read from the event as the handler got it (a reshaped event may have lost its flags). */
function intentOf(event: APIGatewayProxyEventV2): Intent {
  const segments = (event.rawPath ?? "").split("/").filter(Boolean);
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  const sent = JSON.parse(text) as Record<string, unknown>;
  if (segments[0] === "hooks") {
    // A webhook launch's idempotency key is namespaced by source: it never names a seed.
    if ("agent" in sent) return { kind: "launch", body: sent, replayable: false };
    const { threadId, ...answer } = sent;
    return { kind: "answer", threadId: String(threadId), body: answer };
  }
  if (segments.length === 1) {
    return { kind: "launch", body: sent, replayable: idempotencyKey(event) === SEED_KEY };
  }
  return { kind: "answer", threadId: decodeURIComponent(segments[1] ?? ""), body: sent };
}

/** A 2xx POST changed exactly what it answered: one new thread, or one answer appended. */
async function acceptedPost(
  world: World,
  intent: Intent,
  before: Snapshot,
  after: Snapshot,
  body: unknown,
): Promise<void> {
  const sent = world.queue.sent.slice(before.sent);
  const answer = body as { threadId: string; status: string };
  const thread = after.threads.get(answer.threadId) as Thread;
  expect(thread, "the answered thread exists").toBeDefined();
  expect(answer.status).toBe(deriveStatus(thread.events));
  expect(after.notices).toBe(before.notices);

  if (intent.kind === "launch") {
    const replay = before.threads.get(answer.threadId);
    if (replay) {
      // An idempotent replay: the first thread, untouched; its step again only if it runs.
      expect(intent.replayable, "only a reused idempotency key returns an old thread").toBe(true);
      expect(difference(before, { ...after, sent: before.sent })).toBeNull();
      const version = thread.events.length;
      const expected = answer.status === "running" ? [{ threadId: thread.id, version }] : [];
      expect(sent).toEqual(expected);
      return;
    }
    expect(after.threads.size).toBe(before.threads.size + 1);
    for (const [id, old] of before.threads) expect(after.threads.get(id)).toBe(old);
    expect(thread.agent).toBe(intent.body.agent);
    expect(thread.events).toHaveLength(1);
    expect(thread.events[0]).toMatchObject({
      type: "user_message",
      data: { message: intent.body.message },
    });
    const data = thread.events[0]?.data as { metadata?: unknown } | undefined;
    expect(JSON.stringify(data?.metadata)).toBe(JSON.stringify(intent.body.metadata));
    expect(sent).toEqual([{ threadId: thread.id, version: 1 }]);
    return;
  }

  expect(intent.threadId).toBe(answer.threadId);
  const old = before.threads.get(answer.threadId) as Thread;
  expect(old, "an answer goes to an existing thread").toBeDefined();
  expect(thread.events.slice(0, -1)).toEqual(old.events);
  expect(thread.events).toHaveLength(old.events.length + 1);
  for (const [id, other] of before.threads) {
    if (id !== thread.id) expect(after.threads.get(id)).toBe(other);
  }
  const appended = thread.events.at(-1);
  const reply = intent.body;
  if ("approved" in reply) {
    expect(appended).toMatchObject({
      type: "approval_decision",
      data: { callId: reply.callId, approved: reply.approved },
    });
  } else {
    expect(appended).toMatchObject({
      type: "human_response",
      data: { callId: reply.callId, response: reply.response },
    });
  }
  expect(sent).toEqual([{ threadId: thread.id, version: thread.events.length }]);
}

/** What was accepted can be read back: the thread and the context the model will see. */
async function readBack(handler: Handler, threadId: string, apiKey?: string): Promise<void> {
  for (const path of [`/threads/${threadId}`, `/threads/${threadId}/context`]) {
    const response = await handler(
      toEvent({
        method: "GET",
        path,
        query: undefined,
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        body: undefined,
        base64: "no",
      }),
    );
    expect(response.statusCode, `GET ${path} after it was accepted`).toBe(200);
  }
}

function idempotencyKey(event: APIGatewayProxyEventV2): string | undefined {
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (name.toLowerCase() === "idempotency-key") return value;
  }
  return undefined;
}

function check(
  arbitrary: fc.Arbitrary<HttpCase>,
  tally: Tally,
  options: { apiKey?: string; webhooks?: boolean } = {},
  numRuns = 300,
) {
  return fc.assert(
    fc.asyncProperty(arbitrary, async (request) => {
      await exercise(request, tally, options);
    }),
    runs(numRuns),
  );
}

describe("HTTP API under hostile input (property-based)", () => {
  it(
    "never answers 5xx, answers errors in the contract's shape, and changes nothing it rejects",
    async () => {
      const tally: Tally = new Map();
      await check(chaosCase, tally, { webhooks: true });
      expect(tally.size).toBeGreaterThan(3);
    },
    timeout,
  );

  it(
    "launches exactly one thread for each accepted near-valid launch, and nothing otherwise",
    async () => {
      const tally: Tally = new Map();
      await check(launchCase, tally);
      expect(tally.get(202) ?? 0, "some launches were valid").toBeGreaterThan(0);
      expect(tally.get(400) ?? 0, "some launches were invalid").toBeGreaterThan(0);
    },
    timeout,
  );

  it(
    "appends exactly one answer for each accepted near-valid response, and nothing otherwise",
    async () => {
      const tally: Tally = new Map();
      await check(responseCase, tally);
      expect(tally.get(202) ?? 0, "some answers were accepted").toBeGreaterThan(0);
      expect(tally.get(409) ?? 0, "some answers did not fit").toBeGreaterThan(0);
    },
    timeout,
  );

  it(
    "refuses forged and malformed callback tokens (POST /callbacks/{token}) with a 4xx, changing nothing",
    async () => {
      const tally: Tally = new Map();
      await check(callbackCase, tally);
      expect(tally.get(401) ?? 0, "some tokens were well-shaped forgeries").toBeGreaterThan(0);
      for (const status of tally.keys()) expect(status).toBeGreaterThanOrEqual(400);
    },
    timeout,
  );

  it(
    "reads seeded threads and listings under hostile queries without changing anything",
    async () => {
      const tally: Tally = new Map();
      await check(readCase, tally);
      expect(tally.get(200) ?? 0).toBeGreaterThan(0);
    },
    timeout,
  );

  it(
    "survives bodies nested 10,000 levels deep and strings far over every limit",
    async () => {
      const tally: Tally = new Map();
      await check(heavyCase, tally, {}, 100);
      expect(tally.get(413) ?? 0).toBeGreaterThan(0);
    },
    timeout,
  );

  it(
    "accepts only fresh, correctly signed webhooks, once each, and changes nothing it rejects",
    async () => {
      const tally: Tally = new Map();
      const now = Date.parse(CLOCK_START) / 1000;
      const cases = webhookCase(HOOK_SOURCE, HOOK_SECRET, now, signWebhook);
      await fc.assert(
        fc.asyncProperty(cases, async ({ request, signing, fresh }) => {
          const { world, handler, response } = await exercise(request, tally, { webhooks: true });
          const status = response.statusCode ?? 0;
          const signed = signing === "valid" && fresh && request.method === "POST";
          if (!signed) {
            expect(status, "an unsigned or stale webhook is never accepted").toBeGreaterThanOrEqual(
              400,
            );
            expect(world.replayGuard.claimed.size, "nothing unsigned is remembered").toBe(0);
            return;
          }
          // A signed delivery the runtime then refuses (404, 409, a bad Idempotency-Key) has
          // already been claimed: threads and queue are untouched (checked in `exercise`), but the
          // replay guard remembers it. Reported to the webhook's owner rather than asserted here.
          if (status >= 300) return;
          expect(world.replayGuard.claimed.size).toBe(1);
          // The same delivery again is a replay: refused, and nothing changes.
          const before = await snapshot(world);
          const again = await handler(toEvent(request));
          expect(again.statusCode).toBe(401);
          expect(JSON.parse(again.body ?? "").error.code).toBe("replayed");
          expect(difference(before, await snapshot(world))).toBeNull();
        }),
        runs(300),
      );
      expect(tally.get(202) ?? 0, "some webhooks were accepted").toBeGreaterThan(0);
      expect(tally.get(401) ?? 0, "some webhooks were refused").toBeGreaterThan(0);
    },
    timeout,
  );

  it(
    "tolerates events with fields missing or null, as a misconfigured integration could send",
    async () => {
      const tally: Tally = new Map();
      const fields = [
        "headers",
        "requestContext",
        "rawPath",
        "rawQueryString",
        "queryStringParameters",
        "body",
        "isBase64Encoded",
        "cookies",
      ] as const;
      const broken = fc.record({
        request: fc.oneof(chaosCase, launchCase, responseCase, readCase),
        drop: fc.subarray([...fields], { minLength: 1 }),
        as: fc.constantFrom(undefined, null),
      });
      await fc.assert(
        fc.asyncProperty(broken, async ({ request, drop, as }) => {
          await exercise(request, tally, {}, (event) => {
            const copy: Record<string, unknown> = { ...event };
            for (const field of drop) copy[field] = as;
            return copy as unknown as APIGatewayProxyEventV2;
          });
        }),
        runs(300),
      );
    },
    timeout,
  );

  it(
    "with an API key, answers 401 to every protected route without the exact bearer token (any case of the scheme)",
    async () => {
      const tally: Tally = new Map();
      const authorization = fc.oneof(
        // Often right, so accepted requests are checked under the key too.
        { arbitrary: fc.constant(`Bearer ${API_KEY}`), weight: 4 },
        fc.constantFrom(
          `bearer ${API_KEY}`,
          `Bearer  ${API_KEY}`,
          `Bearer ${API_KEY} `,
          ` Bearer ${API_KEY}`,
          `Bearer ${API_KEY}\n`,
          `Bearer ${API_KEY.toUpperCase()}`,
          `Bearer ${API_KEY.slice(0, -1)}`,
          `Bearer ${API_KEY}x`,
          `BEARER ${API_KEY}`,
          `Basic ${Buffer.from(`user:${API_KEY}`).toString("base64")}`,
          API_KEY,
          "Bearer ",
          "Bearer",
          "",
        ),
        text(40).map((t) => `Bearer ${t}`),
        text(40),
      );
      const keyed = fc
        .record({
          request: fc.oneof(
            chaosCase,
            { arbitrary: launchCase, weight: 2 },
            { arbitrary: responseCase, weight: 2 },
            readCase,
            callbackCase,
          ),
          name: fc.oneof(
            { arbitrary: fc.constant("authorization"), weight: 4 },
            fc.constantFrom("Authorization", "AUTHORIZATION"),
          ),
          value: fc.option(authorization, { nil: undefined }),
        })
        .map(({ request, name, value }) => {
          const headers = { ...request.headers };
          for (const key of Object.keys(headers)) {
            if (key.toLowerCase() === "authorization") delete headers[key];
          }
          if (value !== undefined) headers[name] = value;
          return { ...request, headers };
        });
      await fc.assert(
        fc.asyncProperty(keyed, async (request) => {
          const { response } = await exercise(request, tally, { apiKey: API_KEY, webhooks: true });
          const presented = request.headers.authorization ?? request.headers.Authorization;
          const status = response.statusCode ?? 0;
          // A 204 (DELETE) and a HEAD answer have no body.
          const code = response.body
            ? (JSON.parse(response.body) as { error?: { code?: string } }).error?.code
            : undefined;
          if (presented !== undefined && /^bearer (.+)$/i.exec(presented)?.[1] === API_KEY) {
            // (A webhook may still answer 401 for its own signature: not the bearer's doing.)
            expect(code).not.toBe("unauthorized");
            return;
          }
          // /health is open; /hooks/{source} is signed with HMAC instead of the bearer token, and
          // /callbacks/{token} takes its token as the credential.
          const segments = request.path.split("/").filter(Boolean);
          const open =
            ((request.method === "GET" || request.method === "HEAD") &&
              segments.join("/") === "health") ||
            (request.method === "POST" &&
              segments.length === 2 &&
              (segments[0] === "hooks" || segments[0] === "callbacks"));
          if (open) return;
          // Routing runs first: an unknown path or method is told so, even without a token.
          expect(["unauthorized", "route_not_found", "method_not_allowed"]).toContain(code);
          if (code === "unauthorized") {
            expect(status).toBe(401);
            expect(response.headers?.["www-authenticate"]).toMatch(/^Bearer /);
          }
        }),
        runs(300),
      );
      expect(tally.get(401) ?? 0).toBeGreaterThan(0);
      expect(tally.get(202) ?? 0).toBeGreaterThan(0);
    },
    timeout,
  );
});

describe("regressions found by these properties", () => {
  /** `{"a":{"a":…{}}}`: `levels` nested objects, built as text (too deep for JSON.stringify). */
  const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;
  const launch = (metadata: string): HttpCase => ({
    method: "POST",
    path: "/threads",
    query: undefined,
    headers: { "content-type": "application/json" },
    body: `{"agent":"calculator","message":"1 + 2","metadata":${metadata}}`,
    base64: "no",
  });

  it("refuses launch metadata nested deeper than 32 levels, which could not be read back", async () => {
    // Found: metadata 10,000 levels deep was accepted (202), then GET /threads/{id} answered 500
    // because JSON.stringify overflowed the stack (and the DynamoDB store could not save it).
    const tally: Tally = new Map();
    for (const levels of [33, 5_000, 10_000]) {
      const { response } = await exercise(launch(nested(levels)), tally);
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body ?? "")).toMatchObject({
        error: { code: "invalid_body", message: expect.stringContaining("metadata") },
      });
    }
    const { response } = await exercise(launch(nested(32)), tally);
    expect(response.statusCode).toBe(202);
  });

  it('refuses a metadata key named "__proto__" rather than dropping it', async () => {
    // Found: {"metadata":{"__proto__":{...}}} was accepted and stored as {}: zod's record skips
    // that key, so the thread held less than the client sent.
    const { response } = await exercise(launch('{"__proto__":{"polluted":true}}'), new Map());
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain("__proto__");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
