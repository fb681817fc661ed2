import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack } from "./local-stack.ts";

/**
 * The local EventBridge endpoint routes what the deployed bus's rules route: an `agent.launch`
 * event (the README's `aws events put-events` example) launches the agent its detail names.
 */
describe("The local event bus", () => {
  let stack: LocalStack;
  const lines: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ log: (line) => lines.push(line) });
  });
  afterAll(() => stack?.stop());

  const put = (detail: unknown, detailType = "agent.launch") =>
    new EventBridgeClient({
      endpoint: stack.eventsEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }).send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: "twelve-agents",
            Source: "my.app",
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );

  it("launches the agent an agent.launch event names, and shows its thread.waiting notice", async () => {
    const before = (await stack.deps.store.list({ status: "waiting_for_approval" })).threads;
    await put({ agent: "calculator", message: "What is 6 / 3?" });
    const deadline = Date.now() + 15_000;
    let launched = "";
    while (!launched && Date.now() < deadline) {
      const line = lines.find((l) => l.startsWith("agent.launch: launched "));
      launched = line?.slice("agent.launch: launched ".length) ?? "";
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(launched).toMatch(/^thr_/);
    const waiting = await client(stack).waitFor(launched, "waiting_for_approval");
    expect(waiting.pending).toMatchObject({ tool: "divide", args: { a: 6, b: 3 } });
    const after = (await stack.deps.store.list({ status: "waiting_for_approval" })).threads;
    expect(after.length).toBe(before.length + 1);
    await expect
      .poll(() => lines.some((l) => l.startsWith(`thread.waiting: ${launched} waits on divide`)))
      .toBe(true);
  });

  it("launches nothing for an event it cannot launch from, or of another type", async () => {
    await put({ agent: "nobody", message: "hi" });
    await put({ message: "no agent" });
    await put({ agent: "calculator", message: "What is 1 + 1?" }, "order.placed");
    await expect
      .poll(() => lines.filter((l) => l.startsWith("agent.launch rejected")).length)
      .toBe(2);
    const running = (await stack.deps.store.list({ status: "running" })).threads;
    const done = (await stack.deps.store.list({ status: "done" })).threads;
    expect([...running, ...done]).toEqual([]);
  });
});
