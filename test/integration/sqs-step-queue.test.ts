import { randomUUID } from "node:crypto";
import { SqsRecordSchema } from "@aws-lambda-powertools/parser/schemas";
import {
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { IncompleteSqsMessageError, InvalidStepMessageError } from "../../shared/aws/sqs/errors.ts";
import {
  deleteStepMessage,
  ensureStepQueues,
  receiveStepMessages,
  type StepQueues,
} from "../../shared/aws/sqs/queues.ts";
import { toSqsRecord } from "../../shared/aws/sqs/sqs-event.ts";
import {
  messageDeduplicationId,
  messageGroupId,
  parseStepMessage,
} from "../../shared/aws/sqs/step-message.ts";
import { SqsStepQueue } from "../../shared/aws/sqs/step-queue.ts";
import { ConfigError } from "../../shared/core/errors.ts";

const region = "us-east-1";
const local = { region, credentials: { accessKeyId: "local", secretAccessKey: "local" } };
const client = new SQSClient({ ...local, endpoint: inject("sqsEndpoint") });

/** Fresh queues per test: fauxqs is shared by every integration file. */
const freshQueues = (spec: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {}) =>
  ensureStepQueues(client, {
    name: `steps-${randomUUID().slice(0, 8)}`,
    maxReceiveCount: spec.maxReceiveCount ?? 5,
    visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds ?? 30,
  });

/** Receives without waiting: fauxqs answers at once, so an empty answer means nothing is ready. */
const receiveNow = (queueUrl: string) => receiveStepMessages(client, queueUrl, { waitSeconds: 0 });

const bodies = (messages: { Body?: string }[]) =>
  messages.map((message) => parseStepMessage(message.Body ?? ""));

describe("Class: SqsStepQueue", () => {
  let queues: StepQueues;
  let queue: SqsStepQueue;

  beforeAll(async () => {
    queues = await freshQueues();
    queue = new SqsStepQueue({ queueUrl: queues.queueUrl, client });
  });

  describe("Method: enqueue", () => {
    it("sends {threadId, version} with the thread as group and thread:version as dedup id", async () => {
      // Prepare
      const threadId = `t-${randomUUID()}`;

      // Act
      await queue.enqueue({ threadId, version: 3 });

      // Assess
      const [message, ...rest] = await receiveNow(queues.queueUrl);
      expect(rest).toEqual([]);
      expect(JSON.parse(message?.Body ?? "")).toEqual({ threadId, version: 3 });
      expect(message?.Attributes).toMatchObject({
        MessageGroupId: threadId,
        MessageDeduplicationId: `${threadId}:3`,
        ApproximateReceiveCount: "1",
      });
      expect(message?.Attributes?.SequenceNumber).toMatch(/^\d+$/);
      await deleteStepMessage(client, queues.queueUrl, message?.ReceiptHandle ?? "");
    });

    it("delivers a step enqueued twice within the dedup window once, even after its delete", async () => {
      // Prepare
      const step = { threadId: `t-${randomUUID()}`, version: 1 };

      // Act
      await queue.enqueue(step);
      await queue.enqueue(step);
      const first = await receiveNow(queues.queueUrl);
      await deleteStepMessage(client, queues.queueUrl, first[0]?.ReceiptHandle ?? "");
      await queue.enqueue(step);
      const after = await receiveNow(queues.queueUrl);

      // Assess
      expect(bodies(first)).toEqual([step]);
      expect(after).toEqual([]);
    });

    it("delivers a thread's steps in order, one in flight per thread", async () => {
      // Prepare
      const a = `t-a-${randomUUID()}`;
      const b = `t-b-${randomUUID()}`;
      await queue.enqueue({ threadId: a, version: 1 });
      await queue.enqueue({ threadId: a, version: 2 });
      await queue.enqueue({ threadId: b, version: 1 });

      // Act
      const first = await receiveNow(queues.queueUrl);
      const whileLocked = await receiveNow(queues.queueUrl);
      for (const message of first) {
        await deleteStepMessage(client, queues.queueUrl, message.ReceiptHandle ?? "");
      }
      const second = await receiveNow(queues.queueUrl);

      // Assess
      expect(bodies(first)).toEqual([
        { threadId: a, version: 1 },
        { threadId: b, version: 1 },
      ]);
      expect(whileLocked).toEqual([]);
      expect(bodies(second)).toEqual([{ threadId: a, version: 2 }]);
      await deleteStepMessage(client, queues.queueUrl, second[0]?.ReceiptHandle ?? "");
    });

    it("sends a thread id SQS would refuse as a group id under its hash, body intact", async () => {
      // Prepare
      const threadId = `thread ${"é".repeat(120)}`;

      // Act
      await queue.enqueue({ threadId, version: 7 });

      // Assess
      const [message] = await receiveNow(queues.queueUrl);
      expect(parseStepMessage(message?.Body ?? "")).toEqual({ threadId, version: 7 });
      expect(message?.Attributes?.MessageGroupId).toMatch(/^[0-9a-f]{64}$/);
      expect(message?.Attributes?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
      await deleteStepMessage(client, queues.queueUrl, message?.ReceiptHandle ?? "");
    });

    it("rejects a step the worker could not parse, before sending", async () => {
      // Act
      const attempt = queue.enqueue({ threadId: "", version: 0 });

      // Assess
      await expect(attempt).rejects.toThrow(InvalidStepMessageError);
      await expect(attempt).rejects.toThrow(
        "invalid step message: threadId must not be empty; version must be positive",
      );
      expect(await receiveNow(queues.queueUrl)).toEqual([]);
    });

    it("lets SDK errors through", async () => {
      // Prepare
      const missing = new SqsStepQueue({
        queueUrl: `${queues.queueUrl.replace(/[^/]+$/, "")}no-such-queue.fifo`,
        clientConfig: { ...local, endpoint: inject("sqsEndpoint") },
      });

      // Act
      const attempt = missing.enqueue({ threadId: "t-1", version: 1 });

      // Assess
      await expect(attempt).rejects.toThrow(QueueDoesNotExist);
    });
  });
});

describe("Function: messageGroupId and messageDeduplicationId", () => {
  it("keep valid ids as they are", () => {
    expect(messageGroupId("t-1")).toBe("t-1");
    expect(messageDeduplicationId({ threadId: "t-1", version: 12 })).toBe("t-1:12");
  });

  it("hash what is too long or holds characters SQS refuses", () => {
    // Prepare
    const long = "x".repeat(128);

    // Assess
    expect(messageGroupId(long)).toBe(long);
    expect(messageDeduplicationId({ threadId: long, version: 1 })).toMatch(/^[0-9a-f]{64}$/);
    expect(messageGroupId("a b")).toMatch(/^[0-9a-f]{64}$/);
    expect(messageGroupId("a b")).not.toBe(messageGroupId("a  b"));
    expect(messageDeduplicationId({ threadId: "a b", version: 1 })).not.toBe(
      messageDeduplicationId({ threadId: "a b", version: 2 }),
    );
  });
});

describe("Function: ensureStepQueues", () => {
  const attributesOf = async (queueUrl: string) =>
    (
      await client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }),
      )
    ).Attributes ?? {};

  it("creates the FIFO queue and its FIFO dead-letter queue, redriving after maxReceiveCount", async () => {
    // Prepare
    const name = `steps-${randomUUID().slice(0, 8)}`;

    // Act
    const queues = await ensureStepQueues(client, {
      name,
      maxReceiveCount: 4,
      visibilityTimeoutSeconds: 90,
    });

    // Assess
    expect(queues.queueUrl).toMatch(new RegExp(`/${name}\\.fifo$`));
    expect(queues.dlqUrl).toMatch(new RegExp(`/${name}-dlq\\.fifo$`));
    expect(queues.queueArn).toMatch(new RegExp(`^arn:aws:sqs:${region}:\\d{12}:${name}\\.fifo$`));
    expect(queues.dlqArn).toMatch(new RegExp(`^arn:aws:sqs:${region}:\\d{12}:${name}-dlq\\.fifo$`));
    const main = await attributesOf(queues.queueUrl);
    expect(main).toMatchObject({
      FifoQueue: "true",
      ContentBasedDeduplication: "false",
      VisibilityTimeout: "90",
      QueueArn: queues.queueArn,
    });
    expect(JSON.parse(main.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: queues.dlqArn,
      maxReceiveCount: 4,
    });
    expect(await attributesOf(queues.dlqUrl)).toMatchObject({
      FifoQueue: "true",
      ContentBasedDeduplication: "false",
      QueueArn: queues.dlqArn,
    });
  });

  it("returns the same queues when called again, converging their settings", async () => {
    // Prepare
    const name = `steps-${randomUUID().slice(0, 8)}`;
    const first = await ensureStepQueues(client, {
      name,
      maxReceiveCount: 4,
      visibilityTimeoutSeconds: 90,
    });

    // Act
    const again = await ensureStepQueues(client, {
      name,
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 30,
    });

    // Assess
    expect(again).toEqual(first);
    const main = await attributesOf(first.queueUrl);
    expect(main.VisibilityTimeout).toBe("30");
    expect(JSON.parse(main.RedrivePolicy ?? "{}")).toMatchObject({ maxReceiveCount: 2 });
  });

  it.each([
    [{ name: "bad.name", maxReceiveCount: 3, visibilityTimeoutSeconds: 30 }, "bad.name"],
    [{ name: "x".repeat(72), maxReceiveCount: 3, visibilityTimeoutSeconds: 30 }, "1-71 letters"],
    [{ name: "ok", maxReceiveCount: 0, visibilityTimeoutSeconds: 30 }, "maxReceiveCount"],
    [{ name: "ok", maxReceiveCount: 3, visibilityTimeoutSeconds: 43201 }, "visibilityTimeout"],
  ])("rejects a spec SQS would refuse (%o)", async (spec, fragment) => {
    // Act
    const attempt = ensureStepQueues(client, spec);

    // Assess
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(fragment);
  });
});

describe("Function: receiveStepMessages", () => {
  it("moves a step received maxReceiveCount times without a delete to the dead-letter queue", async () => {
    // Prepare
    const queues = await freshQueues({ maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
    const step = { threadId: `t-${randomUUID()}`, version: 1 };
    await new SqsStepQueue({ queueUrl: queues.queueUrl, client }).enqueue(step);

    // Act: two receives that never delete (the worker crashed); the long polls return as soon as
    // the 1 s visibility timeout gives the message back.
    const first = await receiveNow(queues.queueUrl);
    const second = await receiveStepMessages(client, queues.queueUrl, { waitSeconds: 3 });
    const third = await receiveStepMessages(client, queues.queueUrl, { waitSeconds: 2 });
    const dead = await receiveNow(queues.dlqUrl);

    // Assess
    expect(bodies(first)).toEqual([step]);
    expect(bodies(second)).toEqual([step]);
    expect(second[0]?.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(third).toEqual([]);
    expect(bodies(dead)).toEqual([step]);
    expect(dead[0]?.Attributes?.MessageGroupId).toBe(step.threadId);
  });

  it("returns an empty list when nothing arrives within the wait", async () => {
    // Prepare
    const queues = await freshQueues();

    // Act
    const messages = await receiveNow(queues.queueUrl);

    // Assess
    expect(messages).toEqual([]);
  });

  it("stops a long poll when its signal aborts", async () => {
    // Prepare
    const queues = await freshQueues();
    const controller = new AbortController();

    // Act
    const poll = receiveStepMessages(client, queues.queueUrl, {
      waitSeconds: 20,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);

    // Assess
    await expect(poll).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("Function: toSqsRecord", () => {
  it("builds the record Lambda delivers, accepted by Powertools' SqsRecordSchema", async () => {
    // Prepare
    const queues = await freshQueues();
    const step = { threadId: `t-${randomUUID()}`, version: 2 };
    await new SqsStepQueue({ queueUrl: queues.queueUrl, client }).enqueue(step);
    const [message] = await receiveNow(queues.queueUrl);
    if (!message) expect.fail("no message received");

    // Act
    const record = toSqsRecord(message, queues.queueArn, region);

    // Assess
    expect(SqsRecordSchema.parse(record)).toEqual(record);
    expect(record).toEqual({
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: JSON.stringify(step),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
        SequenceNumber: expect.stringMatching(/^\d+$/),
        MessageGroupId: step.threadId,
        MessageDeduplicationId: `${step.threadId}:2`,
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody,
      eventSource: "aws:sqs",
      eventSourceARN: queues.queueArn,
      awsRegion: region,
    });
  });

  it("maps message attributes the way Lambda spells them", async () => {
    // Prepare
    const queues = await freshQueues();
    await client.send(
      new SendMessageCommand({
        QueueUrl: queues.queueUrl,
        MessageBody: "{}",
        MessageGroupId: "g",
        MessageDeduplicationId: "d",
        MessageAttributes: {
          origin: { DataType: "String", StringValue: "webhook" },
          blob: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    const [message] = await receiveNow(queues.queueUrl);
    if (!message) expect.fail("no message received");

    // Act
    const record = toSqsRecord(message, queues.queueArn, region);

    // Assess
    expect(SqsRecordSchema.parse(record)).toEqual(record);
    expect(record.messageAttributes).toEqual({
      origin: {
        stringValue: "webhook",
        stringListValues: [],
        binaryListValues: [],
        dataType: "String",
      },
      blob: { binaryValue: "AQID", stringListValues: [], binaryListValues: [], dataType: "Binary" },
    });
    expect(record.md5OfMessageAttributes).toBe(message.MD5OfMessageAttributes);
  });

  it("names what is missing from a message received without system attributes", async () => {
    // Prepare
    const queues = await freshQueues();
    await new SqsStepQueue({ queueUrl: queues.queueUrl, client }).enqueue({
      threadId: "t-1",
      version: 1,
    });
    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, WaitTimeSeconds: 0 }),
    );
    const message = Messages?.[0];
    if (!message) expect.fail("no message received");

    // Act
    const attempt = () => toSqsRecord(message, queues.queueArn, region);

    // Assess
    expect(attempt).toThrow(IncompleteSqsMessageError);
    expect(attempt).toThrow(
      `SQS message ${message.MessageId} lacks ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp`,
    );
  });
});

describe("Function: parseStepMessage", () => {
  it("parses a step body and drops keys it does not know", () => {
    expect(parseStepMessage('{"threadId":"t-1","version":4,"traceId":"x"}')).toEqual({
      threadId: "t-1",
      version: 4,
    });
  });

  it.each([
    ["", "invalid step message: the body is not JSON (empty body)"],
    ["not json", 'invalid step message: the body is not JSON ("not json")'],
    ["null", "invalid step message: the body must be a JSON object"],
    ["[1]", "invalid step message: the body must be a JSON object"],
    ['"t-1"', "invalid step message: the body must be a JSON object"],
    ["{}", "invalid step message: threadId must be a string; version must be a number"],
    ['{"threadId":"","version":1}', "invalid step message: threadId must not be empty"],
    [
      JSON.stringify({ threadId: "x".repeat(129), version: 1 }),
      "invalid step message: threadId must be at most 128 characters",
    ],
    ['{"threadId":"t-1","version":"1"}', "invalid step message: version must be a number"],
    ['{"threadId":"t-1","version":1.5}', "invalid step message: version must be an integer"],
    ['{"threadId":"t-1","version":0}', "invalid step message: version must be positive"],
  ])("rejects %j with a clear message", (body, message) => {
    // Act
    const attempt = () => parseStepMessage(body);

    // Assess
    expect(attempt).toThrow(InvalidStepMessageError);
    expect(attempt).toThrow(message);
  });

  it("names the error for logs and keeps the cause", () => {
    // Act
    const error = (() => {
      try {
        parseStepMessage("{");
      } catch (caught) {
        return caught;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(InvalidStepMessageError);
    expect((error as Error).name).toBe("InvalidStepMessageError");
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });
});
