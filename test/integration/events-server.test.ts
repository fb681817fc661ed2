import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type EventBridgeServer,
  type ReceivedEvent,
  startEventBridgeServer,
} from "../../infra/local/eventbridge-server.ts";

describe("Function: startEventBridgeServer", () => {
  let server: EventBridgeServer;
  let client: EventBridgeClient;
  const seen: ReceivedEvent[] = [];

  beforeEach(async () => {
    seen.length = 0;
    server = await startEventBridgeServer({ onEvent: (event) => seen.push(event) });
    client = new EventBridgeClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    await server.stop();
  });

  it("answers PutEvents with an EventId per entry and records them, in order", async () => {
    // Act
    const output = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: "a", DetailType: "one", Detail: '{"n":1}', Resources: ["arn:x"] },
          {
            Source: "b",
            DetailType: "two",
            Detail: '{"n":2}',
            EventBusName: "bus",
            Time: new Date("2030-01-02T03:04:05Z"),
          },
        ],
      }),
    );

    // Assess
    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries?.map((entry) => entry.EventId)).toEqual(
      server.entries.map((entry) => entry.eventId),
    );
    expect(server.entries).toMatchObject([
      {
        eventBusName: "default",
        source: "a",
        detailType: "one",
        detail: { n: 1 },
        resources: ["arn:x"],
      },
      { eventBusName: "bus", detail: { n: 2 }, time: "2030-01-02T03:04:05.000Z" },
    ]);
    expect(seen).toEqual(server.entries);
  });

  it("fails an entry whose Detail is not a JSON object, and keeps the others", async () => {
    // Act
    const output = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: "a", DetailType: "bad", Detail: "[1]" },
          { Source: "a", DetailType: "good", Detail: "{}" },
        ],
      }),
    );

    // Assess
    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries?.[0]).toMatchObject({
      ErrorCode: "MalformedDetail",
      ErrorMessage: "Detail is malformed.",
    });
    expect(server.entries.map((entry) => entry.detailType)).toEqual(["good"]);
  });

  it("plays scripted failures once each, in order", async () => {
    // Prepare
    server.failNext("InternalFailure", "try again");
    const put = () =>
      client.send(
        new PutEventsCommand({ Entries: [{ Source: "a", DetailType: "x", Detail: "{}" }] }),
      );

    // Act
    const failed = await put();
    const passed = await put();

    // Assess
    expect(failed).toMatchObject({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "try again" }],
    });
    expect(passed.FailedEntryCount).toBe(0);
    expect(server.entries).toHaveLength(1);
  });

  it("answers other operations with UnknownOperationException", async () => {
    // Act
    const response = await fetch(server.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSEvents.ListRules",
      },
      body: "{}",
    });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: "UnknownOperationException" });
  });
});
