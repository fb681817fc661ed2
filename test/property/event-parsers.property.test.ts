import type { APIGatewayRequestAuthorizerEventV2, Context, SQSRecord } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createAuthorizer } from "../../functions/authorizer/app.ts";
import { createTriggerHandler } from "../../functions/trigger/app.ts";
import { createWorkerHandler } from "../../functions/worker/app.ts";
import { decodeCursor, encodeCursor } from "../../shared/aws/dynamo/cursor.ts";
import { InvalidStepMessageError } from "../../shared/aws/sqs/errors.ts";
import { parseStepMessage, stepMessageBody } from "../../shared/aws/sqs/step-message.ts";
import { InvalidCursorError } from "../../shared/core/errors.ts";
import { errorCodes, escalationReasons, threadEvent } from "../../shared/core/events.ts";
import { deriveStatus, type Thread } from "../../shared/core/thread.ts";
import {
  anyJson,
  deepJson,
  huge,
  invalidJson,
  type Mutation,
  mutate,
  mutation,
  text,
  validDeepJson,
} from "./arbitraries.ts";
import { difference, freshWorld, runs, seeds, silentLogger, snapshot, timeout } from "./world.ts";

/*
 * Every parser of input from outside the process: SQS step messages, EventBridge events, stored
 * thread events, listing cursors. Junk must come back as the parser's own typed error (or a
 * "dropped" outcome), never as an exception from somewhere deeper and never as a state change.
 */

/** Text an outside system might put in a message body or event field. */
const junkText = fc.oneof(text(60), invalidJson, anyJson, deepJson, huge, validDeepJson);

// --- SQS step messages ---------------------------------------------------------------------------

const validStep = fc.record({
  threadId: text(128, 1).filter((id) => id.length >= 1 && id.length <= 128),
  version: fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
});

const stepFieldMutation = mutation(["threadId", "version"]);

const stepBody = fc.oneof(
  junkText,
  fc
    .tuple(validStep, stepFieldMutation)
    .map(([message, change]) => JSON.stringify(mutate(message, change))),
  fc.constantFrom(
    '{"threadId":"t","version":1e400}',
    '{"threadId":"t","version":-0}',
    '{"threadId":"t","version":1.0000000000000002}',
    '{"threadId":"t","version":9007199254740993}',
    '{"threadId":"t","version":"1"}',
    '{"threadId":"","version":1}',
    '{"threadId":"t","threadId":"u","version":1}',
    '{"__proto__":{"threadId":"t","version":1}}',
  ),
);

// --- thread events -------------------------------------------------------------------------------

const at = fc
  .date({
    min: new Date("2000-01-01T00:00:00Z"),
    max: new Date("2100-01-01T00:00:00Z"),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());
const usage = fc.record({ inputTokens: fc.nat(), outputTokens: fc.nat() });
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  validDeepJson.map((t) => JSON.parse(t)),
);

/** A valid event of every type, as the store would hold it. */
const validEvent: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({
    type: fc.constant("user_message"),
    at,
    data: fc.record(
      {
        message: text(40),
        metadata: fc.dictionary(text(8), fc.jsonValue({ maxDepth: 2 })),
        parent: fc.record({
          threadId: text(40),
          callId: text(12),
          rootThreadId: text(40),
          depth: fc.integer({ min: 1, max: 10 }),
        }),
      },
      { requiredKeys: ["message"] },
    ),
  }),
  fc.record({
    type: fc.constant("child_requested"),
    at,
    data: fc.record({
      callId: text(12),
      tool: text(12),
      agent: text(12),
      message: text(40),
      depth: fc.integer({ min: 1, max: 10 }),
    }),
  }),
  fc.record({
    type: fc.constant("tool_call"),
    at,
    data: fc.record(
      {
        callId: text(12),
        tool: text(12),
        args: json,
        source: fc.constantFrom("model", "prefetch"),
        usage,
      },
      { requiredKeys: ["callId", "tool", "args", "source"] },
    ),
  }),
  fc.record({
    type: fc.constant("tool_result"),
    at,
    data: fc.record({ callId: text(12), tool: text(12), result: json }),
  }),
  fc.record({
    type: fc.constant("error"),
    at,
    data: fc.record(
      {
        code: fc.constantFrom(...errorCodes),
        message: text(40),
        callId: text(12),
        tool: text(12),
        usage,
      },
      { requiredKeys: ["code", "message"] },
    ),
  }),
  fc.record({
    type: fc.constant("approval_requested"),
    at,
    data: fc.record({ callId: text(12), tool: text(12), args: json, argsHash: text(64) }),
  }),
  fc.record({
    type: fc.constant("approval_decision"),
    at,
    data: fc.record(
      { callId: text(12), approved: fc.boolean(), comment: text(40) },
      { requiredKeys: ["callId", "approved"] },
    ),
  }),
  fc.record({
    type: fc.constant("human_input_requested"),
    at,
    data: fc.record({
      callId: text(12),
      tool: text(12),
      args: json,
      message: text(40),
      reason: fc.constantFrom(...escalationReasons),
    }),
  }),
  fc.record({
    type: fc.constant("human_response"),
    at,
    data: fc.record({ callId: text(12), response: text(40) }),
  }),
  fc.record({
    type: fc.constant("done"),
    at,
    data: fc.record({ callId: text(12), output: text(40) }),
  }),
  fc.record({
    type: fc.constant("callback_requested"),
    at,
    data: fc.record({
      callId: text(12),
      tool: text(12),
      args: json,
      tokenHash: text(64),
      expiresAt: at,
    }),
  }),
  fc.record({ type: fc.constant("callback_started"), at, data: fc.record({ callId: text(12) }) }),
  fc.record({
    type: fc.constant("tool_retry"),
    at,
    data: fc.record(
      {
        callId: text(12),
        tool: text(12),
        attempt: fc.integer({ min: 1, max: 10 }),
        message: text(40),
        detail: text(80),
        retryAt: at,
      },
      { requiredKeys: ["callId", "tool", "attempt", "message", "retryAt"] },
    ),
  }),
  fc.record({ type: fc.constant("failed"), at, data: fc.record({ reason: text(40) }) }),
  fc.record({ type: fc.constant("retry_requested"), at, data: fc.record({ reason: text(40) }) }),
  fc.record({
    type: fc.constant("cancelled"),
    at,
    data: fc.record({ reason: text(40) }, { requiredKeys: [] }),
  }),
  fc.record({
    type: fc.constant("compaction"),
    at,
    data: fc.record(
      {
        from: fc.integer({ min: 1, max: 10_000 }),
        to: fc.integer({ min: 1, max: 10_000 }),
        method: fc.constantFrom("elide", "model"),
        summary: text(80),
        tokensBefore: fc.nat(),
        tokensAfter: fc.nat(),
        usage,
      },
      { requiredKeys: ["from", "to", "method", "summary", "tokensBefore", "tokensAfter"] },
    ),
  }),
  fc.record({
    type: fc.constant("tool_set"),
    at,
    data: fc.record(
      {
        fingerprint: text(16),
        tools: fc.dictionary(text(20, 1), text(16)),
        change: fc.record({
          from: text(16),
          added: fc.array(text(20)),
          removed: fc.array(text(20)),
          changed: fc.array(text(20)),
        }),
      },
      { requiredKeys: ["fingerprint", "tools"] },
    ),
  }),
);

/** A valid event with one change at the top or inside `data`. */
const nearEvent = fc
  .tuple(
    validEvent,
    mutation(["type", "at", "data"]),
    mutation(["callId", "tool", "args", "message", "code", "approved", "reason", "source"]),
  )
  .map(([event, outer, inner]) => {
    const data = event.data as Record<string, unknown>;
    return mutate({ ...event, data: mutate(data, inner) }, outer);
  });

// --- EventBridge trigger input -------------------------------------------------------------------

const launchDetail = fc
  .record(
    {
      agent: fc.constantFrom("calculator", "deploybot"),
      message: fc.oneof(fc.constantFrom("1 + 2", "10 / 5"), text(40, 1)),
      metadata: fc.dictionary(text(8), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    },
    { requiredKeys: ["agent", "message"] },
  )
  .chain((detail) =>
    fc.oneof(
      { arbitrary: fc.constant<unknown>(detail), weight: 2 },
      mutation(["agent", "message", "metadata"]).map((change) => mutate(detail, change)),
      validDeepJson.map((deep) => ({ ...detail, metadata: { deep: JSON.parse(deep) } })),
      fc.constant<unknown>(
        JSON.parse(`{"agent":"calculator","message":"1","metadata":{"__proto__":{}}}`),
      ),
    ),
  );

const customEvent = fc
  .record({
    version: fc.constant("0"),
    id: fc.oneof(fc.uuid(), text(40)),
    "detail-type": fc.constantFrom("launch", "Agent Launch Requested"),
    source: fc.constantFrom("acme.orders", "twelve.test"),
    account: fc.constant("000000000000"),
    time: fc.oneof(at, text(30)),
    region: fc.constant("us-east-1"),
    resources: fc.array(text(20), { maxLength: 2 }),
    detail: launchDetail,
  })
  .chain((event) =>
    mutation([
      "version",
      "id",
      "detail-type",
      "source",
      "account",
      "time",
      "resources",
      "detail",
    ]).map((change: Mutation) => mutate(event, change)),
  );

const scheduledInput = fc
  .tuple(
    launchDetail,
    fc.record({
      schedule: fc.oneof(fc.constantFrom("nightly"), text(20)),
      time: fc.oneof(at, text(20)),
    }),
  )
  .chain(([detail, firing]) => {
    const input = detail !== null && typeof detail === "object" ? { ...detail, ...firing } : detail;
    return input !== null && typeof input === "object"
      ? mutation(["agent", "message", "schedule", "time"]).map((change) =>
          mutate(input as Record<string, unknown>, change),
        )
      : fc.constant(input);
  });

/** Anything at all: what a misconfigured rule or a hostile publisher could deliver. */
const junkTriggerInput = fc.oneof(
  fc.anything(),
  fc.jsonValue(),
  junkText,
  junkText.map((t) => {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return t;
    }
  }),
);

// --- SQS records for the worker ------------------------------------------------------------------

function sqsRecord(body: string, index: number, group: string, receives: number): SQSRecord {
  return {
    messageId: `message-${index}`,
    receiptHandle: `receipt-${index}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receives),
      SentTimestamp: "1767225600000",
      SenderId: "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1767225600000",
      MessageGroupId: group,
      MessageDeduplicationId: `dedup-${index}`,
      SequenceNumber: String(index + 1),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:steps.fifo",
    awsRegion: "us-east-1",
  };
}

const lambdaContext = {
  functionName: "worker",
  awsRequestId: "request-id",
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const seeded = Object.values(seeds) as Thread[];

/**
 * Step messages the worker must drop without writing: bodies that are not step messages, ids no
 * thread has, versions a thread never reached, and old versions of finished threads.
 */
const junkStepBody = fc.oneof(
  stepBody,
  fc.constantFrom(...seeded).chain((thread) => {
    const current = thread.events.length;
    const ahead = fc.oneof(
      fc.integer({ min: current + 1, max: current + 1_000 }),
      fc.constant(Number.MAX_SAFE_INTEGER),
    );
    // Old versions only of finished threads: for a running thread an old message re-sends the
    // step it owes, for a paused one it may re-announce the pause; both are duties, not junk.
    const finished = ["done", "failed"].includes(deriveStatus(thread.events));
    const stale = finished && current > 1 ? fc.integer({ min: 1, max: current - 1 }) : ahead;
    return fc
      .tuple(fc.oneof(ahead, stale), fc.constantFrom({}, { extra: 1 }, { traceId: "x" }))
      .map(([version, extra]) => JSON.stringify({ threadId: thread.id, version, ...extra }));
  }),
);

// --- properties ----------------------------------------------------------------------------------

describe("event parsers under hostile input (property-based)", () => {
  it(
    "parseStepMessage returns a well-formed message or throws InvalidStepMessageError",
    () => {
      fc.assert(
        fc.property(stepBody, (body) => {
          let message: ReturnType<typeof parseStepMessage>;
          try {
            message = parseStepMessage(body);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidStepMessageError);
            // The body is quoted in logs: an excerpt, never the whole of a huge body.
            expect((error as Error).message.length).toBeLessThan(1_000);
            return;
          }
          expect(typeof message.threadId).toBe("string");
          expect(message.threadId.length).toBeGreaterThanOrEqual(1);
          expect(message.threadId.length).toBeLessThanOrEqual(128);
          expect(Number.isSafeInteger(message.version) && message.version > 0).toBe(true);
          expect(parseStepMessage(stepMessageBody(message))).toEqual(message);
        }),
        runs(1_000),
      );
    },
    timeout,
  );

  it(
    "parseStepMessage accepts every well-formed message as it was sent",
    () => {
      fc.assert(
        fc.property(validStep, (message) => {
          expect(parseStepMessage(stepMessageBody(message))).toEqual(message);
        }),
        runs(300),
      );
    },
    timeout,
  );

  it(
    "threadEvent.safeParse never throws, accepts every valid event and only known types",
    () => {
      fc.assert(
        fc.property(fc.oneof(validEvent, nearEvent, fc.anything(), junkText), (input) => {
          const result = threadEvent.safeParse(input);
          if (!result.success) return;
          expect(validTypes).toContain(result.data.type);
          expect(threadEvent.safeParse(result.data).success).toBe(true);
        }),
        runs(1_000),
      );
      fc.assert(
        fc.property(validEvent, (event) => {
          const result = threadEvent.safeParse(event);
          expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
        }),
        runs(300),
      );
    },
    timeout,
  );

  it(
    "the event generator covers every event type the schema knows",
    () => {
      const generated = new Set(fc.sample(validEvent, 2_000).map((event) => event.type));
      expect([...generated].sort()).toEqual([...validTypes].sort());
    },
    timeout,
  );

  it(
    "the authorizer lets through exactly `Bearer <key>` (any case of the scheme) and never throws",
    async () => {
      const key = "authorizer-key-0123456789abcdef";
      const authorize = createAuthorizer(async () => key);
      const authorization = fc.oneof(
        fc.constant(`Bearer ${key}`),
        fc.constantFrom(
          `bearer ${key}`,
          `BEARER ${key}`,
          `Bearer  ${key}`,
          `Bearer ${key} `,
          `Bearer ${key}\n`,
          `Bearer ${key.slice(1)}`,
          `Basic ${key}`,
          key,
          "Bearer ",
          "",
        ),
        text(40).map((t) => `Bearer ${t}`),
        text(40),
        huge.map((t) => `Bearer ${t}`),
      );
      const headers = fc.option(
        fc.record(
          { authorization, Authorization: authorization, other: text(20) },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      );
      await fc.assert(
        fc.asyncProperty(headers, async (given) => {
          const event = {
            version: "2.0",
            type: "REQUEST",
            routeArn: "arn:aws:execute-api:us-east-1:000000000000:api/$default/POST/threads",
            identitySource: given?.authorization ? [given.authorization] : [],
            routeKey: "POST /threads",
            ...(given ? { headers: given } : {}),
          } as unknown as APIGatewayRequestAuthorizerEventV2;
          const result = await authorize(event);
          // Payload 2.0 lowercases header names, so only `authorization` counts.
          // The scheme is case-insensitive; the key is not.
          const token = /^bearer (.+)$/i.exec(given?.authorization ?? "")?.[1];
          expect(result).toEqual(
            token === key
              ? { isAuthorized: true, context: { principal: "api-key" } }
              : { isAuthorized: false },
          );
        }),
        runs(300),
      );
    },
    timeout,
  );

  it(
    "decodeCursor returns a key of the listing's attributes or throws InvalidCursorError",
    () => {
      const attributes = ["pk", "sk", "gsi1pk", "gsi1sk"];
      const cursor = fc.oneof(
        text(60),
        huge.map((s) => s.slice(0, 5_000)),
        fc.base64String(),
        fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString("base64url")),
        fc
          .dictionary(
            fc.constantFrom(...attributes, "__proto__", "x"),
            fc.oneof(text(10), fc.jsonValue()),
          )
          .map((key) => encodeCursor(key)),
        validDeepJson.map((deep) => Buffer.from(deep).toString("base64url")),
      );
      fc.assert(
        fc.property(cursor, (raw) => {
          let key: Record<string, string>;
          try {
            key = decodeCursor(raw, attributes, (k) => (k.pk === "LIST#x" ? "other" : undefined));
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidCursorError);
            return;
          }
          expect(Object.keys(key).sort()).toEqual([...attributes].sort());
          for (const [i, name] of attributes.entries()) {
            const value = key[name];
            expect(typeof value).toBe("string");
            const bytes = Buffer.byteLength(value as string, "utf8");
            expect(bytes).toBeGreaterThanOrEqual(1);
            expect(bytes).toBeLessThanOrEqual(i % 2 === 0 ? 2048 : 1024);
          }
        }),
        runs(1_000),
      );
    },
    timeout,
  );

  it(
    "decodeCursor refuses a key value DynamoDB would refuse (empty, too long, lone surrogate)",
    () => {
      const attributes = ["pk", "sk", "gsi1pk", "gsi1sk"];
      const good = fc.string({ minLength: 1, maxLength: 20, unit: "grapheme-ascii" });
      const bad = fc.oneof(
        fc.constant(""),
        fc.integer({ min: 2049, max: 3000 }).map((n) => "p".repeat(n)),
        fc.constant("\ud800"),
      );
      const tooLongSort = fc.integer({ min: 1025, max: 2048 }).map((n) => "s".repeat(n));
      const crafted = fc
        .tuple(fc.tuple(good, good, good, good), fc.nat({ max: 3 }), fc.oneof(bad, tooLongSort))
        // A sort key of 1025..2048 bytes is fine as a partition key: only spoil sort keys with it.
        .filter(([, at, value]) => !(at % 2 === 0 && /^s+$/.test(value)))
        .map(([values, at, value]) => {
          const key = Object.fromEntries(attributes.map((name, i) => [name, values[i]]));
          key[attributes[at] as string] = value;
          return encodeCursor(key);
        });
      fc.assert(
        fc.property(crafted, (raw) => {
          expect(() => decodeCursor(raw, attributes, () => undefined)).toThrow(InvalidCursorError);
        }),
        runs(500),
      );
      // The limits are inclusive.
      const edge = {
        pk: "p".repeat(2048),
        sk: "s".repeat(1024),
        gsi1pk: "é".repeat(1024),
        gsi1sk: "x",
      };
      expect(decodeCursor(encodeCursor(edge), attributes, () => undefined)).toEqual(edge);
    },
    timeout,
  );

  it(
    "the trigger answers launched:false to junk, never throws, and creates nothing",
    async () => {
      await fc.assert(
        fc.asyncProperty(junkTriggerInput, async (input) => {
          const world = await freshWorld();
          const trigger = createTriggerHandler(world.deps, silentLogger);
          const before = await snapshot(world);
          const result = await trigger(input);
          expect(result).toMatchObject({ launched: false, error: expect.any(String) });
          expect(difference(before, await snapshot(world))).toBeNull();
        }),
        runs(300),
      );
    },
    timeout,
  );

  it(
    "the trigger launches exactly one thread for a near-valid event it accepts, nothing otherwise",
    async () => {
      let launched = 0;
      await fc.assert(
        fc.asyncProperty(fc.oneof(customEvent, scheduledInput), async (input) => {
          const world = await freshWorld();
          const trigger = createTriggerHandler(world.deps, silentLogger);
          const before = await snapshot(world);
          const result = await trigger(input);
          const after = await snapshot(world);
          if (!result.launched) {
            expect(typeof result.error).toBe("string");
            expect(difference(before, after)).toBeNull();
            return;
          }
          launched++;
          expect(result.created).toBe(true);
          expect(after.threads.size).toBe(before.threads.size + 1);
          const thread = after.threads.get(result.threadId) as Thread;
          expect(thread.events).toHaveLength(1);
          expect(JSON.stringify(thread)).toBeTypeOf("string");
          expect(world.queue.sent).toEqual([{ threadId: result.threadId, version: 1 }]);
        }),
        runs(300),
      );
      expect(launched, "some near-valid events launched").toBeGreaterThan(0);
    },
    timeout,
  );

  it(
    "the worker drops junk step messages: no throw, no retry, no state change",
    async () => {
      // Receive counts up to past the limit: the last delivery takes the poison path if it fails.
      const record = fc.tuple(
        junkStepBody,
        fc.constantFrom("g1", "g2", seeds.approval.id),
        fc.integer({ min: 1, max: 8 }),
      );
      const batch = fc.array(record, { minLength: 1, maxLength: 10 });
      await fc.assert(
        fc.asyncProperty(batch, async (bodies) => {
          const world = await freshWorld();
          const worker = createWorkerHandler(world.deps, silentLogger, { maxReceives: 5 });
          const before = await snapshot(world);
          const records = bodies.map(([body, group, receives], i) =>
            sqsRecord(body, i, group, receives),
          );
          const response = await worker({ Records: records }, lambdaContext);
          expect(response.batchItemFailures).toEqual([]);
          expect(difference(before, await snapshot(world))).toBeNull();
        }),
        runs(300),
      );
    },
    timeout,
  );
});

describe("regressions found by these properties", () => {
  it("the trigger refuses launch metadata nested deeper than 32 levels", async () => {
    // Found: a custom event whose detail.metadata nested 10,000 levels launched a thread that
    // could not be serialized again (JSON.stringify overflowed), so no read of it could succeed.
    const world = await freshWorld();
    const trigger = createTriggerHandler(world.deps, silentLogger);
    const deep = JSON.parse(`${'{"a":'.repeat(9_999)}{}${"}".repeat(9_999)}`) as unknown;
    const before = await snapshot(world);
    const result = await trigger({
      version: "0",
      id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
      "detail-type": "launch",
      source: "acme.orders",
      account: "000000000000",
      time: "2026-01-01T00:00:00Z",
      region: "us-east-1",
      resources: [],
      detail: { agent: "calculator", message: "1 + 2", metadata: deep },
    });
    expect(result.launched).toBe(false);
    expect(difference(before, await snapshot(world))).toBeNull();
  });
});

/** Every event type the schema knows, read from the schema so a new type is covered too. */
const validTypes: string[] = threadEvent.options.map((option) => option.shape.type.value);
