import { describe, expect, expectTypeOf, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { InvalidMetadataError, runContextOf } from "../../shared/core/run-context.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, MemoryThreadStore, ScriptedModel } from "../../shared/testing/index.ts";

const Ticket = z.object({ ticketId: z.string(), tenant: z.string() });
const seen: unknown[] = [];

const lookup = defineTool({
  name: "lookup_ticket",
  description: "Read the ticket this thread is about",
  input: z.object({}),
  kind: "sync",
  runContext: Ticket,
  run: (_args, { runContext }) => {
    expectTypeOf(runContext).toEqualTypeOf<{ ticketId: string; tenant: string }>();
    seen.push(runContext);
    return `ticket ${runContext.ticketId} of ${runContext.tenant}`;
  },
});

/** A tool shared by agents of other contexts: it declares only the field it reads. */
const Tenant = z.object({ tenant: z.string() });
const whoami = defineTool({
  name: "whoami",
  description: "The tenant",
  input: z.object({}),
  kind: "sync",
  runContext: Tenant,
  run: (_args, { runContext }) => runContext,
});

const support = defineAgent({
  name: "support",
  runContext: Ticket,
  prompt: ({ runContext, tools }) => {
    expectTypeOf(runContext.ticketId).toEqualTypeOf<string>();
    return `You handle ticket ${runContext.ticketId} for ${runContext.tenant} (${tools.length} tools).`;
  },
  tools: [lookup, whoami, doneForNow],
  prefetch: [
    { tool: lookup, args: {} },
    { tool: echo(), args: ({ runContext }) => ({ text: runContext.ticketId }) },
  ],
});

function echo() {
  return defineTool({
    name: "echo",
    description: "Echo",
    input: z.object({ text: z.string() }),
    kind: "sync",
    run: ({ text }) => text,
  });
}

const metadata = { ticketId: "T-7", tenant: "acme", label: "kept in the thread" };

describe("Run context", () => {
  describe("Method: createRunner().launch", () => {
    it("hands the launch metadata, parsed by the agent's schema, to tools, prefetch and prompt", async () => {
      // Prepare
      seen.length = 0;
      const model = new ScriptedModel([
        call("whoami", {}),
        call("done_for_now", { message: "ok" }),
      ]);
      const runner = createRunner({ agents: [support], model });
      // Act
      const run = await runner.launch("support", "Summarise my ticket", { metadata });
      // Assess
      expect(run.status).toBe("done");
      // Unknown keys are stripped by the schema: the tool sees only what it declared.
      expect(seen).toEqual([{ ticketId: "T-7", tenant: "acme" }]);
      const results = run.events.flatMap((event) =>
        event.type === "tool_result" ? [event.data.result] : [],
      );
      expect(results).toEqual(["ticket T-7 of acme", "T-7", { tenant: "acme" }]);
      expect(run.events[1]).toMatchObject({
        type: "tool_call",
        data: { tool: "lookup_ticket", source: "prefetch" },
      });
      expect(run.events[3]).toMatchObject({ data: { tool: "echo", args: { text: "T-7" } } });
      expect(model.calls[0]?.messages[0]?.content).toBe(
        "You handle ticket T-7 for acme (3 tools).",
      );
    });

    it("refuses metadata the schema does not pass, naming the field, and writes nothing", async () => {
      const store = new MemoryThreadStore();
      const runner = createRunner({ agents: [support], model: new ScriptedModel([]), store });
      const launched = runner.launch("support", "hi", { metadata: { tenant: "acme" } });
      await expect(launched).rejects.toThrow(InvalidMetadataError);
      await expect(launched).rejects.toMatchObject({
        code: "invalid_metadata",
        field: "metadata.ticketId",
        message: expect.stringContaining("metadata.ticketId"),
      });
      expect((await store.list({})).threads).toEqual([]);
    });

    it("gives an agent without a schema the metadata as it is, and {} without metadata", async () => {
      const contexts: unknown[] = [];
      const peek = defineTool({
        name: "peek",
        description: "Peek",
        input: z.object({}),
        kind: "sync",
        run: (_args, { runContext }) => {
          contexts.push(runContext);
          return null;
        },
      });
      const plain = defineAgent({
        name: "plain",
        prompt: ({ runContext }) => `tenant=${String(runContext.tenant)}`,
        tools: [peek, doneForNow],
      });
      const model = new ScriptedModel([
        call("peek", {}),
        call("done_for_now", { message: "a" }),
        call("peek", {}),
        call("done_for_now", { message: "b" }),
      ]);
      const runner = createRunner({ agents: [plain], model });
      await runner.launch("plain", "one", { metadata: { tenant: "acme", n: 1 } });
      await runner.launch("plain", "two");
      expect(contexts).toEqual([{ tenant: "acme", n: 1 }, {}]);
      expect(model.calls.map((request) => request.messages[0]?.content)).toEqual([
        "tenant=acme",
        "tenant=acme",
        "tenant=undefined",
        "tenant=undefined",
      ]);
    });
  });

  describe("Method: createRunner().fork", () => {
    it("keeps the source's run context", async () => {
      seen.length = 0;
      const model = new ScriptedModel([
        call("done_for_now", { message: "first" }),
        call("lookup_ticket", {}),
        call("done_for_now", { message: "again" }),
      ]);
      const runner = createRunner({ agents: [support], model });
      const first = await runner.launch("support", "hi", { metadata });
      const forked = await runner.fork(first.threadId, 1);
      expect(forked.status).toBe("done");
      expect(seen).toEqual([
        { ticketId: "T-7", tenant: "acme" },
        { ticketId: "T-7", tenant: "acme" },
        { ticketId: "T-7", tenant: "acme" },
      ]);
      expect(model.calls[1]?.messages[0]?.content).toContain("ticket T-7 for acme");
    });
  });

  describe("Function: step", () => {
    it("fails a thread whose launch metadata no longer passes the agent's schema", async () => {
      // A thread launched before the agent declared its schema.
      const older = launch({
        agent: defineAgent({ name: "support", prompt: "p", tools: [doneForNow] }),
        threadId: "thr_old",
        message: "hi",
        metadata: { tenant: "acme" },
        clock: { now: () => new Date("2026-01-01T00:00:00Z") },
      });
      const store = new MemoryThreadStore();
      await store.create({ thread: older, head: deriveHead(older.events) });
      const runner = createRunner({ agents: [support], model: new ScriptedModel([]), store });
      // A fork copies the launch event as it is: its first step reads the context again.
      const run = await runner.fork("thr_old");
      expect(run.status).toBe("failed");
      expect(run.events.at(-1)).toMatchObject({
        type: "failed",
        data: { reason: expect.stringContaining("metadata.ticketId") },
      });
    });
  });

  describe("Function: defineAgent", () => {
    it("refuses a tool that reads a run context in an agent that declares none", () => {
      expect(() =>
        defineAgent({ name: "loose", prompt: "p", tools: [lookup, doneForNow] }),
      ).toThrow(ConfigError);
      expect(() =>
        defineAgent({ name: "loose", prompt: "p", tools: [doneForNow], prefetch: [] }),
      ).not.toThrow();
    });
  });

  describe("Function: runContextOf", () => {
    it("reads the first event's metadata, parsed by the agent's schema", () => {
      const thread = launch({
        agent: support,
        threadId: "thr_1",
        message: "hi",
        metadata,
        clock: { now: () => new Date(0) },
      });
      expect(runContextOf(support, thread)).toEqual({ ticketId: "T-7", tenant: "acme" });
      expect(runContextOf({ name: "x", runContext: undefined }, thread)).toEqual(metadata);
      expect(runContextOf({ name: "x", runContext: undefined }, { events: [] })).toEqual({});
    });
  });
});
