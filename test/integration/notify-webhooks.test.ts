import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { agents } from "../../shared/examples/agents.ts";
import { lead } from "../support/sub-agent-fixtures.ts";
import { client, startTestStack } from "./local-stack.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

interface Received {
  path: string;
  id: string;
  type: string;
  data: { threadId: string; [key: string]: unknown };
}

/**
 * A webhook receiver on 127.0.0.1 that verifies each delivery with the Standard Webhooks
 * library, as a receiver would, and answers what `answer(path)` says (200 by default).
 */
async function startReceiver(answer: (path: string, tries: number) => number = () => 200) {
  const received: Received[] = [];
  const refused: string[] = [];
  const tries = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      const path = request.url ?? "";
      const id = String(request.headers["webhook-id"]);
      const key = `${path} ${id}`;
      tries.set(key, (tries.get(key) ?? 0) + 1);
      const status = answer(path, tries.get(key) ?? 1);
      try {
        const payload = new Webhook(SECRET).verify(
          body,
          request.headers as Record<string, string>,
        ) as Omit<Received, "path" | "id">;
        if (status === 200) received.push({ path, id, ...payload });
      } catch (error) {
        refused.push(String(error));
      }
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://${address}:${port}${path}`,
    address,
    received,
    refused,
    tries,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("notices to outbound webhooks (NOTIFY_WEBHOOKS), signed the Standard Webhooks way", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const logs: string[] = [];

  beforeAll(async () => {
    // /flaky fails twice before it takes a notice; /down never takes one
    receiver = await startReceiver((path, tries) =>
      path === "/down" ? 503 : path === "/flaky" && tries <= 2 ? 500 : 200,
    );
    stack = await startTestStack({
      notifyWebhooks: [
        { url: receiver.url("/all"), secret: SECRET },
        { url: receiver.url("/done-only"), secret: SECRET, events: ["thread.done"] },
        { url: receiver.url("/flaky"), secret: SECRET, agents: ["calculator"] },
        { url: receiver.url("/down"), secret: SECRET, agents: ["deploybot"] },
      ],
      notifyDelivery: { attempts: 3, backoffMs: 20 },
      // The examples, and a lead whose deployer child asks for an approval.
      agents: [...agents, lead],
      log: (line) => logs.push(line),
    });
    api = client(stack);
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.stop();
  });

  const deliveries = async (path: string, threadId: string, count: number) => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const found = receiver.received.filter(
        (r) => r.path === path && r.data.threadId === threadId,
      );
      if (found.length >= count) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${path} got fewer than ${count} notices of ${threadId}`);
  };

  it("tells each receiver what it wants: the pause, then the end, each verifiable, each with a stable id", async () => {
    // Act
    const { body } = await api.launch("calculator", "What is 8 / 2?");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    await deliveries("/all", body.threadId, 1);
    await api.respond(body.threadId, { callId: waiting.pending?.callId, approved: true });
    const done = await api.waitFor(body.threadId, "done");

    // Assess
    const all = await deliveries("/all", body.threadId, 2);
    expect(all.map((r) => [r.type, r.id])).toEqual([
      ["thread.waiting", `${body.threadId}:${waiting.pending?.callId}`],
      ["thread.done", `${body.threadId}:done:${done.version}`],
    ]);
    expect(all[0]?.data).toMatchObject({
      tool: "divide",
      status: "waiting_for_approval",
      link: `${stack.url}/threads/${body.threadId}`,
    });
    expect(all[1]?.data).toMatchObject({ output: "8 / 2 = 4", status: "done" });
    const doneOnly = await deliveries("/done-only", body.threadId, 1);
    expect(doneOnly.map((r) => r.type)).toEqual(["thread.done"]);
    expect(receiver.refused).toEqual([]);
  });

  it("names the root in a child's notice, with the root's link", async () => {
    // Act: the lead's deployer child waits for an approval
    const { body } = await api.launch("lead", "release the api");
    const childId = `${body.threadId}-call_1`;
    await api.waitFor(childId, "waiting_for_approval");
    const [waiting] = await deliveries("/all", childId, 1);

    // Assess
    expect(waiting?.type).toBe("thread.waiting");
    expect(waiting?.data).toMatchObject({
      threadId: childId,
      agent: "deployer",
      status: "waiting_for_approval",
      link: `${stack.url}/threads/${childId}`,
      root: { threadId: body.threadId, link: `${stack.url}/threads/${body.threadId}` },
    });
  });

  it("tries a failing receiver again with backoff, under the same id", async () => {
    const { body } = await api.launch("calculator", "What is 1 + 2?");
    await api.waitFor(body.threadId, "done");
    const [delivered] = await deliveries("/flaky", body.threadId, 1);
    expect(receiver.tries.get(`/flaky ${delivered?.id}`)).toBe(3);
  });

  it("never lets a receiver that is down hold up or fail a step", async () => {
    const { body } = await api.launch("deploybot", "Deploy v1.1.0 to the backend");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    await api.respond(body.threadId, { callId: waiting.pending?.callId, approved: true });
    expect((await api.waitFor(body.threadId, "done")).status).toBe("done");
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if (logs.some((line) => line.includes("notify failed") && line.includes("/down"))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(logs.find((line) => line.includes("notify failed"))).toMatch(
      /\/down did not take notice .*: answered 503/,
    );
    expect(receiver.tries.get(`/down ${body.threadId}:${waiting.pending?.callId}`)).toBe(3);
  });
});

describe("notices no receiver takes at once (as the deployed rule: tried over time, then kept)", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const logs: string[] = [];

  beforeAll(async () => {
    // /late fails four times (more than one fan-out's three tries); /gone never takes one
    receiver = await startReceiver((path, tries) =>
      path === "/gone" ? 503 : path === "/late" && tries <= 4 ? 500 : 200,
    );
    stack = await startTestStack({
      notifyWebhooks: [
        { url: receiver.url("/late"), secret: SECRET, agents: ["calculator"] },
        { url: receiver.url("/gone"), secret: SECRET, agents: ["deploybot"] },
      ],
      notifyDelivery: { attempts: 3, backoffMs: 20 },
      noticeRetryDelaysMs: [100, 100],
      log: (line) => logs.push(line),
    });
    api = client(stack);
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.stop();
  });

  it("delivers a notice the receiver takes on a later fan-out, under the same id", async () => {
    const { body } = await api.launch("calculator", "What is 1 + 2?");
    await api.waitFor(body.threadId, "done");
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if (receiver.received.some((r) => r.path === "/late")) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const [delivered] = receiver.received.filter((r) => r.path === "/late");
    expect(delivered?.data.threadId).toBe(body.threadId);
    expect(receiver.tries.get(`/late ${delivered?.id}`)).toBe(5);
  });

  it("keeps a notice no try delivered in the undelivered-notices queue, with why", async () => {
    const { body } = await api.launch("deploybot", "Deploy v1.1.0 to the backend");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    const sqs = new SQSClient({
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      endpoint: stack.sqsEndpoint,
    });
    let messages: Message[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && messages.length === 0; ) {
      messages =
        (
          await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: stack.undeliveredNoticesUrl,
              MessageAttributeNames: ["All"],
              WaitTimeSeconds: 1,
            }),
          )
        ).Messages ?? [];
    }
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]?.Body ?? "{}")).toMatchObject({
      "detail-type": "thread.waiting",
      detail: { threadId: body.threadId, callId: waiting.pending?.callId },
    });
    expect(messages[0]?.MessageAttributes?.["twelve-reason"]?.StringValue).toMatch(
      /\/gone did not take notice .*: answered 503/,
    );
    // Three fan-outs of three tries each.
    expect(receiver.tries.get(`/gone ${body.threadId}:${waiting.pending?.callId}`)).toBe(9);
    expect(logs.some((line) => /undelivered after 3 tries/.test(line))).toBe(true);
  });
});
