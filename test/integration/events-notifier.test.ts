import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type EventBridgeServer,
  startEventBridgeServer,
} from "../../infra/local/eventbridge-server.ts";
import { PutEventsError } from "../../shared/aws/events/errors.ts";
import {
  EventBridgeNotifier,
  THREAD_DONE_DETAIL_TYPE,
  THREAD_FAILED_DETAIL_TYPE,
  THREAD_WAITING_DETAIL_TYPE,
  THREAD_WAITING_FOR_CALLBACK_DETAIL_TYPE,
} from "../../shared/aws/events/eventbridge-notifier.ts";
import type {
  CallbackWaitingNotice,
  ThreadEndedNotice,
  ThreadWaitingNotice,
} from "../../shared/core/ports.ts";

const notice: ThreadWaitingNotice = {
  id: "t-42:call-7",
  threadId: "t-42",
  agent: "calculator",
  status: "waiting_for_approval",
  kind: "approval",
  callId: "call-7",
  tool: "divide",
  args: { a: 10, b: 2 },
  message: "may I divide?",
  link: "https://agents.example.com/threads/t-42",
};

describe("Class: EventBridgeNotifier", () => {
  let server: EventBridgeServer;

  beforeEach(async () => {
    server = await startEventBridgeServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  const clientConfig = () => ({
    endpoint: server.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });

  describe("Method: threadEnded", () => {
    it("publishes a done thread as thread.done and a failed one as thread.failed", async () => {
      // Prepare
      const notifier = new EventBridgeNotifier({
        busName: "twelve-bus",
        clientConfig: clientConfig(),
      });
      const done: ThreadEndedNotice = {
        id: "t-42:done:9",
        threadId: "t-42",
        agent: "calculator",
        status: "done",
        version: 9,
        output: "7",
        link: "https://agents.example.com/threads/t-42",
      };

      // Act
      await notifier.threadEnded(done);
      await notifier.threadEnded({
        ...done,
        id: "t-42:failed:10",
        status: "failed",
        version: 10,
        reason: "poisoned",
      });

      // Assess
      expect(server.entries.map((e) => [e.detailType, (e.detail as { id: string }).id])).toEqual([
        [THREAD_DONE_DETAIL_TYPE, "t-42:done:9"],
        [THREAD_FAILED_DETAIL_TYPE, "t-42:failed:10"],
      ]);
      expect([THREAD_DONE_DETAIL_TYPE, THREAD_FAILED_DETAIL_TYPE]).toEqual([
        "thread.done",
        "thread.failed",
      ]);
    });
  });

  describe("Method: callbackWaiting", () => {
    it("publishes a callback wait as thread.waiting_for_callback", async () => {
      // Prepare
      const notifier = new EventBridgeNotifier({
        busName: "twelve-bus",
        clientConfig: clientConfig(),
      });
      const wait: CallbackWaitingNotice = {
        id: "t-42:call-3:4",
        threadId: "t-42",
        agent: "releaser",
        status: "waiting_for_callback",
        callId: "call-3",
        tool: "run_ci",
        args: { ref: "main" },
        expiresAt: "2026-12-01T11:00:00.000Z",
        link: "https://agents.example.com/threads/t-42",
      };

      // Act
      await notifier.callbackWaiting(wait);

      // Assess
      expect(server.entries.map((e) => [e.detailType, e.detail])).toEqual([
        [THREAD_WAITING_FOR_CALLBACK_DETAIL_TYPE, wait],
      ]);
      expect(THREAD_WAITING_FOR_CALLBACK_DETAIL_TYPE).toBe("thread.waiting_for_callback");
    });
  });

  describe("Method: threadWaiting", () => {
    it("publishes the notice as a thread.waiting event from twelve on the bus", async () => {
      // Prepare
      const notifier = new EventBridgeNotifier({
        busName: "twelve-bus",
        clientConfig: clientConfig(),
      });

      // Act
      await notifier.threadWaiting(notice);

      // Assess
      expect(server.entries).toEqual([
        {
          eventId: expect.any(String),
          eventBusName: "twelve-bus",
          source: "twelve",
          detailType: THREAD_WAITING_DETAIL_TYPE,
          detail: notice,
          resources: [],
          time: expect.any(String),
        },
      ]);
      expect(THREAD_WAITING_DETAIL_TYPE).toBe("thread.waiting");
    });

    it("uses the given source and client", async () => {
      // Prepare
      const notifier = new EventBridgeNotifier({
        busName: "arn:aws:events:us-east-1:123456789012:event-bus/agents",
        source: "acme.agents",
        client: new EventBridgeClient(clientConfig()),
      });
      const human: ThreadWaitingNotice = {
        ...notice,
        status: "waiting_for_human",
        tool: "request_more_information",
        args: { message: "which numbers?" },
      };

      // Act
      await notifier.threadWaiting(human);

      // Assess
      expect(server.entries).toMatchObject([
        {
          eventBusName: "arn:aws:events:us-east-1:123456789012:event-bus/agents",
          source: "acme.agents",
          detail: human,
        },
      ]);
    });

    it.each([
      ["ThrottlingException", "Rate exceeded", true],
      ["AccessDeniedException", "not authorized to put events on this bus", false],
    ])(
      "throws PutEventsError when EventBridge fails the entry (%s)",
      async (code, text, retryable) => {
        // Prepare
        const notifier = new EventBridgeNotifier({
          busName: "twelve-bus",
          clientConfig: clientConfig(),
        });
        server.failNext(code, text);

        // Act
        const error = await notifier.threadWaiting(notice).then(
          () => expect.fail("expected a PutEventsError"),
          (caught: unknown) => caught,
        );

        // Assess
        expect(error).toBeInstanceOf(PutEventsError);
        expect(error).toMatchObject({
          name: "PutEventsError",
          busName: "twelve-bus",
          errorCode: code,
          errorMessage: text,
          retryable,
          message: `EventBridge rejected the thread.waiting event on bus twelve-bus: ${code}: ${text}`,
        });
        expect(server.entries).toEqual([]);
      },
    );

    it("fits a notice over the 256 KiB limit before it is sent (the local bus enforces the limit)", async () => {
      // Prepare
      const notifier = new EventBridgeNotifier({
        busName: "twelve-bus",
        clientConfig: clientConfig(),
      });
      const huge = { ...notice, args: { text: "x".repeat(300 * 1024) } };

      // Act
      await notifier.threadWaiting(huge);

      // Assess: delivered, smaller than the limit, still naming the thread and its link
      expect(server.entries).toHaveLength(1);
      const entry = server.entries[0] as (typeof server.entries)[number];
      expect(Buffer.byteLength(JSON.stringify(entry.detail))).toBeLessThan(256 * 1024);
      expect(entry.detail).toMatchObject({ threadId: notice.threadId, link: notice.link });
      expect((entry.detail as { args?: unknown }).args).not.toEqual(huge.args);
    });
  });
});
