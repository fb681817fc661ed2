import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import type { LocalStack } from "../../infra/local/stack.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";
import { client, startTestStack } from "./local-stack.ts";

const Ticket = z.object({ ticketId: z.string(), tenant: z.string() });
const lookup = defineTool({
  name: "lookup_ticket",
  description: "Read the ticket this thread is about",
  input: z.object({}),
  kind: "sync",
  runContext: Ticket,
  run: (_args, { runContext }) => `ticket ${runContext.ticketId} of ${runContext.tenant}`,
});
const support = defineAgent({
  name: "support",
  runContext: Ticket,
  prompt: ({ runContext }) => `You handle ticket ${runContext.ticketId}.`,
  tools: [lookup, doneForNow],
});

describe("Run context in the local stack (the Lambda handlers on SQS and DynamoDB emulators)", () => {
  const model = new ScriptedModel([
    call("lookup_ticket", {}),
    call("done_for_now", { message: "read it" }),
    call("lookup_ticket", {}),
    call("done_for_now", { message: "read it again" }),
  ]);
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack({ agents: [support], model });
  });
  afterAll(() => stack?.stop());

  const results = (thread: { events: { type: string; data: Record<string, unknown> }[] }) =>
    thread.events.filter((event) => event.type === "tool_result").map((e) => e.data.result);

  it("hands the launch's metadata to the tool and the prompt in the worker, and a fork keeps it", async () => {
    const api = client(stack);
    const launched = await api.request("POST", "/threads", {
      agent: "support",
      message: "Summarise my ticket",
      metadata: { ticketId: "T-9", tenant: "globex" },
    });
    expect(launched.status).toBe(202);
    const done = await api.waitFor(launched.body.threadId, "done");
    expect(results(done)).toEqual(["ticket T-9 of globex"]);
    expect(model.calls[0]?.messages[0]?.content).toBe("You handle ticket T-9.");

    const forked = await api.request("POST", `/threads/${launched.body.threadId}/fork`, {
      version: 1,
    });
    expect(forked.status).toBe(201);
    expect(results(await api.waitFor(forked.body.threadId, "done"))).toEqual([
      "ticket T-9 of globex",
    ]);
    model.assertDone();
  });

  it("answers 400 invalid_metadata naming the field, and launches nothing", async () => {
    const api = client(stack);
    const refused = await api.request("POST", "/threads", {
      agent: "support",
      message: "hi",
      metadata: { ticketId: 7, tenant: "globex" },
    });
    expect(refused).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_metadata", field: "metadata.ticketId" } },
    });
    const listed = await api.request("GET", "/threads?agent=support");
    expect(listed.body.threads).toHaveLength(2);
  });
});
