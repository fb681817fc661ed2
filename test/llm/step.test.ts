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
            message: "model failed: OpenAI API returned 503 (server_error)",
          },
        },
      ]);
    });
  });
});
