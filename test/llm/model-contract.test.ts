import { createAnthropic } from "@ai-sdk/anthropic";
import { OpenAI } from "openai";
import { aiSdk } from "../../shared/llm/ai-sdk/index.ts";
import { OpenAIModel } from "../../shared/llm/openai-model.ts";
import { describeModelContract, type ProviderAnswer } from "../contract/model.contract.ts";
import {
  anthropicError,
  startAnthropicServer,
  textMessage,
  toolUseMessage,
} from "./anthropic-server.ts";
import type { ScriptedResponse } from "./chat-server.ts";
import { startChatServer } from "./chat-server.ts";
import { apiError, textCompletion, toolCallCompletion } from "./completions.ts";

describeModelContract("OpenAIModel over Chat Completions", async () => {
  const server = await startChatServer();
  const toResponse = (answer: ProviderAnswer): ScriptedResponse => {
    switch (answer.kind) {
      case "calls":
        return {
          status: 200,
          body: toolCallCompletion(
            answer.calls.map(([name, args]) => [name, JSON.stringify(args)]),
          ),
        };
      case "text":
        return { status: 200, body: textCompletion(answer.text) };
      case "busy":
        return {
          status: 429,
          body: apiError("Rate limit reached", "requests", "rate_limit_exceeded"),
        };
      case "rejected_key":
        return {
          status: 401,
          body: apiError("Incorrect API key provided", "invalid_request_error"),
        };
    }
  };
  return {
    model: new OpenAIModel({
      model: "gpt-4o-mini",
      client: new OpenAI({ apiKey: "test-key", baseURL: server.baseURL, maxRetries: 0 }),
    }),
    answer: (...answers) => server.enqueue(...answers.map(toResponse)),
    close: () => server.close(),
  };
});

describeModelContract("aiSdk over @ai-sdk/anthropic", async () => {
  const server = await startAnthropicServer();
  const toResponse = (answer: ProviderAnswer): ScriptedResponse => {
    switch (answer.kind) {
      case "calls":
        return { status: 200, body: toolUseMessage(answer.calls) };
      case "text":
        return { status: 200, body: textMessage(answer.text) };
      case "busy":
        return { status: 529, body: anthropicError("overloaded_error", "Overloaded") };
      case "rejected_key":
        return { status: 401, body: anthropicError("authentication_error", "invalid x-api-key") };
    }
  };
  return {
    model: aiSdk(
      createAnthropic({ baseURL: server.baseURL, apiKey: server.apiKey })("claude-sonnet-5"),
    ),
    answer: (...answers) => server.enqueue(...answers.map(toResponse)),
    close: () => server.close(),
  };
});
