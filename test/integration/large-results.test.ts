import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedEvent } from "../../infra/local/eventbridge-server.ts";
import type { LocalStack } from "../../infra/local/stack.ts";
import { payloadPrefix } from "../../shared/aws/dynamo/payloads.ts";
import type { Model } from "../../shared/core/ports.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";
import { agents, blob, reader } from "./large-results-agents.ts";
import { client, publishedNotice, startTestStack } from "./local-stack.ts";

const MB = 1_000_000;
/** What Lambda and API Gateway answer at most: the body travels JSON-escaped in the result. */
const LAMBDA_ANSWER_BYTES = 6 * 1024 * 1024;
/** What one EventBridge event holds. */
const EVENTBRIDGE_EVENT_BYTES = 256 * 1024;

/** The size of the Lambda result carrying this body (what Lambda's 6 MB limit counts). */
const lambdaResultBytes = (body: string) =>
  Buffer.byteLength(JSON.stringify({ statusCode: 200, headers: {}, body }));

describe("A 1 MB and a 5 MB tool result, through the local stack (DynamoDB Local + fauxqs S3)", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;
  let s3: S3Client;
  let threadId: string;
  const logs: string[] = [];
  const model = new ScriptedModel([
    call("read_blob", { bytes: MB }),
    call("read_blob", { bytes: 5 * MB }),
    call("done_for_now", { message: "Read both blobs." }),
  ]);
  /** The script the stack's model plays now (one per thread, one thread at a time). */
  let script = model;
  const playing: Model = { next: (request) => script.next(request) };

  beforeAll(async () => {
    stack = await startTestStack({ agents, model: playing, log: (line) => logs.push(line) });
    api = client(stack);
    s3 = new S3Client({
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      endpoint: stack.sqsEndpoint,
      forcePathStyle: true,
    });
    const launched = await api.launch("reader", "Read a 1 MB blob, then a 5 MB one.");
    threadId = launched.body.threadId;
    await api.waitFor(threadId, "done", 60_000);
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const objects = async () =>
    (
      await s3.send(
        new ListObjectsV2Command({ Bucket: stack.payloadBucket, Prefix: payloadPrefix(threadId) }),
      )
    ).Contents ?? [];

  it("goes on to done, the model seeing each result cut to its resultBudget", () => {
    model.assertDone();
    const [, second, third] = model.calls.map((request) => JSON.stringify(request));
    const cut = (bytes: number) => `… [truncated ${bytes - reader.resultBudget} of ${bytes} chars]`;
    expect(second).toContain(JSON.stringify(cut(MB)).slice(1, -1));
    expect(third).toContain(JSON.stringify(cut(5 * MB)).slice(1, -1));
    // The whole text never reaches the model: its requests stay small.
    for (const request of model.calls) {
      expect(Buffer.byteLength(JSON.stringify(request))).toBeLessThan(20_000);
    }
  });

  it("keeps both results in the payload bucket, the small events inline", async () => {
    const keys = (await objects()).map((object) => object.Key);
    expect(keys).toHaveLength(2);
    expect(keys.every((key) => key?.startsWith(`threads/${threadId}/`))).toBe(true);
  });

  it("GET /threads/{id} shows the 1 MB result whole and links the 5 MB one, within Lambda's 6 MB", async () => {
    // Act
    const response = await fetch(`${stack.url}/threads/${threadId}`);
    const text = await response.text();
    const body = JSON.parse(text);

    // Assess
    expect(body.status).toBe("done");
    expect(body.output).toBe("Read both blobs.");
    const results = body.events.filter((event: { type: string }) => event.type === "tool_result");
    expect(results[0].data.result).toBe(blob(MB));
    expect(results[1]).toEqual({
      type: "tool_result",
      at: expect.any(String),
      dataLink: `/threads/${threadId}/events/5/data`,
      dataBytes: expect.any(Number),
    });
    expect(results[1].dataBytes).toBeGreaterThan(5 * MB);
    expect(lambdaResultBytes(text)).toBeLessThan(LAMBDA_ANSWER_BYTES);
  });

  it("the link serves the 5 MB result whole: a 307 to S3, which the client follows", async () => {
    // Prepare
    const link = `${stack.url}/threads/${threadId}/events/5/data`;

    // Act
    const redirect = await fetch(link, { redirect: "manual" });
    const followed = await fetch(link);

    // Assess
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get("location")).toMatch(
      new RegExp(`^${stack.sqsEndpoint}/${stack.payloadBucket}/threads/${threadId}/`),
    );
    expect(redirect.headers.get("cache-control")).toBe("no-store");
    expect(followed.status).toBe(200);
    const data = await followed.json();
    expect(data).toMatchObject({ tool: "read_blob", result: blob(5 * MB) });
    // The 1 MB one too, and a small event's data from its item.
    const first = await fetch(`${stack.url}/threads/${threadId}/events/3/data`);
    expect(((await first.json()) as { result: string }).result).toBe(blob(MB));
    const launch = await fetch(`${stack.url}/threads/${threadId}/events/1/data`);
    expect(launch.status).toBe(200);
    expect(await launch.json()).toEqual({ message: "Read a 1 MB blob, then a 5 MB one." });
  });

  it("GET /threads/{id}/events pages past the big one, within Lambda's 6 MB a page", async () => {
    // Act
    const first = await fetch(`${stack.url}/threads/${threadId}/events`);
    const text = await first.text();
    const page = JSON.parse(text);

    // Assess
    expect(page.version).toBe(7);
    expect(page.events.map((event: { version: number }) => event.version)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);
    expect(page.events[2].data.result).toBe(blob(MB));
    expect(page.events[4].dataLink).toBe(`/threads/${threadId}/events/5/data`);
    expect(lambdaResultBytes(text)).toBeLessThan(LAMBDA_ANSWER_BYTES);
  });

  it("keeps the notices small: none passes EventBridge's 256 KB", async () => {
    const ended = await publishedNotice(stack, "thread.done", threadId);
    const entries = stack.publishedEvents() as ReceivedEvent[];
    expect(ended?.detail).toMatchObject({ threadId, status: "done", output: "Read both blobs." });
    for (const entry of entries) {
      expect(Buffer.byteLength(JSON.stringify(entry))).toBeLessThan(EVENTBRIDGE_EVENT_BYTES);
    }
    // Nor does any line the stack logs carry a result.
    for (const line of logs) expect(line.length).toBeLessThan(2000);
  });

  it("cuts a 400 KB output in the done notice to fit, with a marker and the link", async () => {
    // Prepare
    const output = blob(400_000);
    script = new ScriptedModel([call("done_for_now", { message: output })]);

    // Act
    const launched = await api.launch("reader", "Say it all back.");
    const done = await api.waitFor(launched.body.threadId, "done", 30_000);

    // Assess
    script.assertDone();
    expect(done.output).toBe(output);
    const notice = await publishedNotice(stack, "thread.done", done.threadId);
    const cut = String(notice?.detail.output);
    expect(cut).toMatch(
      new RegExp(
        `… \\[truncated: \\d+ of 400000 characters; the whole is at ${stack.url}/threads/${done.threadId}\\]$`,
      ),
    );
    expect(output.startsWith(cut.slice(0, cut.indexOf("… [truncated")))).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(notice?.detail))).toBeLessThan(EVENTBRIDGE_EVENT_BYTES);
  });

  it("answers as GET /openapi.json describes: linked events, the redirect, a missing version", async () => {
    // Prepare
    // biome-ignore lint/suspicious/noExplicitAny: a parsed JSON document, walked by path
    const document: any = await (await fetch(`${stack.url}/openapi.json`)).json();
    const check = async (template: string, path: string, status: number) => {
      const response = await fetch(`${stack.url}${path}`, { redirect: "manual" });
      expect(response.status, path).toBe(status);
      const schema =
        document.paths[template].get.responses[String(status)].content["application/json"].schema;
      const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
      expect(validate(await response.json()), JSON.stringify(validate.errors)).toBe(true);
    };

    // Act, Assess
    await check("/threads/{id}", `/threads/${threadId}`, 200);
    await check("/threads/{id}/events", `/threads/${threadId}/events`, 200);
    await check("/threads/{id}/events/{version}/data", `/threads/${threadId}/events/5/data`, 307);
    await check("/threads/{id}/events/{version}/data", `/threads/${threadId}/events/1/data`, 200);
    await check("/threads/{id}/events/{version}/data", `/threads/${threadId}/events/8/data`, 400);
    await check("/threads/{id}/events/{version}/data", "/threads/thr_none/events/1/data", 404);
  });

  it("a lost object leaves the thread usable: its event reads as an error, no route answers 5xx", async () => {
    // Prepare: the 1 MB result's object (the event at version 3) is gone, as after a lost write.
    const key = (await objects()).find((object) => object.Key?.includes("EVT-0000000002"))?.Key;
    await s3.send(new DeleteObjectCommand({ Bucket: stack.payloadBucket, Key: key }));

    // Act
    const thread = await api.get(threadId);
    const answers = await Promise.all([
      api.request("GET", `/threads/${threadId}/events?limit=100`),
      api.request("GET", `/threads/${threadId}/context`),
      api.request("POST", `/threads/${threadId}/messages`, { message: "And again?" }),
      api.request("POST", `/threads/${threadId}/fork`, { version: 3 }),
    ]);
    const before = await api.request("POST", `/threads/${threadId}/fork`, { version: 2 });
    // The data route links to where the object was: S3 answers that it is not there.
    const data = await fetch(`${stack.url}/threads/${threadId}/events/3/data`, {
      redirect: "manual",
    });

    // Assess
    expect(thread.status).toBe(200);
    expect(thread.body.status).toBe("done");
    const [, call, lost] = thread.body.events;
    expect(lost).toMatchObject({
      type: "tool_result",
      data: {
        callId: call.data.callId,
        tool: "read_blob",
        result: {
          error: expect.stringMatching(/^data missing: its object threads\/.* does not exist$/),
        },
      },
    });
    expect(answers.map((answer) => answer.status).filter((status) => status >= 500)).toEqual([]);
    expect(before.status).toBe(201);
    expect(data.status).toBeLessThan(500);
  });

  it("DELETE /threads/{id} removes the thread's objects too", async () => {
    // Act
    const deleted = await api.request("DELETE", `/threads/${threadId}`);

    // Assess
    expect(deleted.status).toBe(204);
    expect(await objects()).toEqual([]);
    expect((await api.get(threadId)).status).toBe(404);
    expect((await fetch(`${stack.url}/threads/${threadId}/events/5/data`)).status).toBe(404);
  });
});
