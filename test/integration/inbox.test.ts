import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack, storeSnapshot } from "./local-stack.ts";

describe("the inbox queue: launches and answers other systems send over SQS (fauxqs)", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;
  let sqs: SQSClient;

  beforeAll(async () => {
    stack = await startTestStack();
    api = client(stack);
    sqs = new SQSClient({
      endpoint: stack.sqsEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  });
  afterAll(() => stack?.stop());

  const send = (body: unknown) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.inboxUrl,
        MessageBody: typeof body === "string" ? body : JSON.stringify(body),
      }),
    );

  /** Waits until the queue holds no message, visible or in flight: all were handled. */
  async function drained(queueUrl: string) {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      if (
        Number(Attributes.ApproximateNumberOfMessages) +
          Number(Attributes.ApproximateNumberOfMessagesNotVisible) ===
        0
      ) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${queueUrl} never drained`);
  }

  /** The threads of the calculator whose first message is `message`. */
  async function threadsWith(message: string, wanted: number) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { threads } = await stack.deps.store.list({ agent: "calculator", limit: 100 });
      const found = [];
      for (const summary of threads) {
        const thread = await stack.deps.store.load(summary.threadId);
        if (
          thread?.events[0]?.type === "user_message" &&
          thread.events[0].data.message === message
        ) {
          found.push(thread);
        }
      }
      if (found.length >= wanted || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("launches an agent, once per idempotencyKey however often it is sent", async () => {
    // Act
    const job = Math.random()
      .toString(36)
      .replaceAll(/[^a-z]/g, "");
    const message = `What is 5 + 6? (job ${job})`;
    for (let i = 0; i < 3; i++) {
      await send({ agent: "calculator", message, idempotencyKey: `job-${job}` });
    }

    // Assess
    await threadsWith(message, 1);
    await drained(stack.inboxUrl);
    const [thread, ...others] = await threadsWith(message, 1);
    expect(others).toEqual([]);
    expect(thread?.events[0]?.by).toMatchObject({ via: "inbox", principal: expect.any(String) });
    expect((await api.waitFor(thread?.id ?? "", "done")).output).toBe("5 + 6 = 11");
  });

  it("answers a pending approval", async () => {
    const { body } = await api.launch("calculator", "What is 9 / 3?");
    const waiting = await api.waitFor(body.threadId, "waiting_for_approval");
    await send({ threadId: body.threadId, callId: waiting.pending?.callId, approved: true });
    const done = await api.waitFor(body.threadId, "done");
    expect(done.output).toBe("9 / 3 = 3");
    expect(done.events.find((e) => e.type === "approval_decision")?.by?.via).toBe("inbox");
  });

  it("moves what can never be processed to the dead-letter queue, with why, changing nothing", async () => {
    // Prepare
    const before = await storeSnapshot(stack);

    // Act
    await send("not json");
    await send({ agent: "nobody", message: "hi" });
    await send({ threadId: "thr_missing0000000000000", callId: "call_1", approved: true });

    // Assess
    const reasons: string[] = [];
    const deadline = Date.now() + 15_000;
    while (reasons.length < 3 && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.inboxDlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ["All"],
        }),
      );
      for (const m of Messages)
        reasons.push(m.MessageAttributes?.["twelve-reason"]?.StringValue ?? "");
    }
    expect(reasons.sort()).toEqual([
      expect.stringMatching(/^invalid_message: the message is not JSON/),
      expect.stringMatching(/^thread_not_found: /),
      expect.stringMatching(/^unknown_agent: /),
    ]);
    expect(await storeSnapshot(stack)).toEqual(before);
  });
});
