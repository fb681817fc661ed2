import { OpenAI } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { launch } from "../../shared/core/lifecycle.ts";
import { step } from "../../shared/core/step.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { OpenAIModel } from "../../shared/llm/openai-model.ts";
import { steppingClock } from "../../shared/testing/index.ts";
import { type ChatServer, startChatServer } from "./chat-server.ts";
import { apiError } from "./completions.ts";

describe("Function: step", () => {
  let server: ChatServer;

  beforeEach(async () => {
    server = await startChatServer();
  });

  afterEach(async () => {
    await server.close();
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
