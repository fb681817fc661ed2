import { OpenAI } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { step } from "../../shared/core/step.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { OpenAIModel } from "../../shared/llm/openai-model.ts";
import { steppingClock } from "../../shared/testing/index.ts";
import { type ChatServer, startChatServer } from "./chat-server.ts";
import { apiError, toolCallCompletion } from "./completions.ts";

describe("Function: step", () => {
  let server: ChatServer;

  beforeEach(async () => {
    server = await startChatServer();
  });

  afterEach(async () => {
    await server.close();
  });

  describe("with a tool whose input has .optional() fields", () => {
    it("sends them strict as required and nullable, and the tool reads null as absent", async () => {
      // Prepare: the model answers with null for the optional field, as strict mode makes it
      server.enqueue({
        status: 200,
        body: toolCallCompletion([["open_ticket", '{"title":"Printer","note":null}']]),
      });
      const received: unknown[] = [];
      const openTicket = defineTool({
        name: "open_ticket",
        description: "Open a ticket.",
        input: z.object({ title: z.string(), note: z.string().optional() }),
        kind: "sync",
        run: (args) => {
          received.push(args);
          return "T-1";
        },
      });
      const agent = defineAgent({
        name: "desk",
        prompt: () => "Open tickets.",
        tools: [openTicket, doneForNow],
      });
      const model = new OpenAIModel({
        model: "gpt-4o-mini",
        client: new OpenAI({ apiKey: "test-key", baseURL: server.baseURL, maxRetries: 0 }),
      });
      const clock = steppingClock();
      const thread = launch({ agent, threadId: "t_opt", message: "the printer", clock });

      // Act: one step chooses the call, the next runs it (and asks the model again)
      const first = await step(thread, { agent, model, clock });
      server.enqueue({
        status: 200,
        body: toolCallCompletion([["done_for_now", '{"message":"opened"}']]),
      });
      const second = await step(
        { ...thread, events: [...thread.events, ...first.events] },
        { agent, model, clock },
      );

      // Assess: the wire carries the nullable-required shape under strict mode
      const tools = server.requests[0]?.body.tools as { function: Record<string, unknown> }[];
      const tool = tools[0];
      expect(tool?.function).toEqual({
        name: "open_ticket",
        description: "Open a ticket.",
        strict: true,
        parameters: {
          type: "object",
          properties: { title: { type: "string" }, note: { type: ["string", "null"] } },
          required: ["title", "note"],
          additionalProperties: false,
        },
      });
      expect(first.events.at(-1)?.data).toMatchObject({ args: { title: "Printer", note: null } });
      expect(received).toEqual([{ title: "Printer" }]);
      expect(second.next).toEqual({ type: "done", output: "opened" });
    });
  });

  describe("with an OpenAIModel that throws a ModelError", () => {
    it("appends a model_failed error and continues", async () => {
      // Prepare
      server.enqueue({
        status: 503,
        body: apiError("The engine is overloaded", "server_error"),
      });
      const model = new OpenAIModel({
        model: "gpt-4o-mini",
        client: new OpenAI({ apiKey: "test-key", baseURL: server.baseURL, maxRetries: 0 }),
      });
      const clock = steppingClock();
      const thread = launch({
        agent: calculator,
        threadId: "t_1",
        message: "what is 3 + 4?",
        clock,
      });

      // Act
      const { events, next } = await step(thread, { agent: calculator, model, clock });

      // Assess
      expect(server.requests).toHaveLength(1);
      expect(next.type).toBe("continue");
      expect(events).toEqual([
        {
          type: "error",
          at: expect.any(String),
          data: {
            code: "model_failed",
            message: `model failed: OpenAI API at ${new URL(server.baseURL).host} returned 503 (server_error)`,
          },
        },
      ]);
    });
  });

  describe("with an OpenAI-compatible server that answers 200 without choices", () => {
    it("appends a model_failed error naming the server, then escalates as for an unreachable model", async () => {
      // Prepare
      const broken = { status: 200, body: { id: "x", object: "chat.completion" } };
      server.enqueue(broken, broken, broken);
      const model = new OpenAIModel({
        model: "gpt-4o-mini",
        client: new OpenAI({ apiKey: "test-key", baseURL: server.baseURL, maxRetries: 0 }),
      });
      const clock = steppingClock();
      let thread = launch({ agent: calculator, threadId: "t_1", message: "3 + 4?", clock });
      const host = new URL(server.baseURL).host;

      // Act
      const nexts: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { events, next } = await step(thread, { agent: calculator, model, clock });
        thread = { ...thread, events: [...thread.events, ...events] };
        nexts.push(next.type);
      }

      // Assess
      expect(nexts).toEqual(["continue", "continue", "pause"]);
      const errors = thread.events.filter((event) => event.type === "error");
      expect(errors).toHaveLength(3);
      expect(errors[0]?.data).toEqual({
        code: "model_failed",
        message: `model failed: the model server at ${host} answered 200 without \`choices\``,
      });
      expect(thread.events.at(-1)?.type).toBe("human_input_requested");
    });
  });
});
