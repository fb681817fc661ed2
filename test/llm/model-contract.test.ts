import { createAnthropic } from "@ai-sdk/anthropic";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { OpenAI } from "openai";
import { aiSdk } from "../../shared/llm/ai-sdk/index.ts";
import { BedrockModel } from "../../shared/llm/bedrock/model.ts";
import { OpenAIModel } from "../../shared/llm/openai-model.ts";
import { describeModelContract, type ScriptedAnswer } from "../contract/model.contract.ts";
import {
  anthropicError,
  startAnthropicServer,
  textMessage,
  toolUseMessage,
} from "./anthropic-server.ts";
import { type ScriptedResponse, startChatServer } from "./chat-server.ts";
import { apiError, textCompletion, toolCallCompletion } from "./completions.ts";
import { errorAnswer, startConverseServer, textAnswer, toolUseAnswer } from "./converse-server.ts";

describeModelContract("OpenAIModel", "openai", async () => {
  const server = await startChatServer();
  const toBody = (answer: ScriptedAnswer) => {
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
      case "rate_limited":
        return { status: 429, body: apiError("Rate limit reached", "requests") };
      case "unauthorized":
        return { status: 401, body: apiError("Incorrect API key", "invalid_request_error") };
    }
  };
  return {
    model: new OpenAIModel({
      model: "gpt-4o-mini",
      client: new OpenAI({ apiKey: "test", baseURL: server.baseURL, maxRetries: 0 }),
    }),
    answer: (...answers) => server.enqueue(...answers.map(toBody)),
    toolNames: () =>
      server.requests.map((sent) =>
        (sent.body.tools as { function: { name: string } }[]).map((tool) => tool.function.name),
      ),
    close: () => server.close(),
  };
});

describeModelContract("BedrockModel", "bedrock", async () => {
  const server = await startConverseServer();
  const client = new BedrockRuntimeClient({
    endpoint: server.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  const toAnswer = (answer: ScriptedAnswer) => {
    switch (answer.kind) {
      case "calls":
        return toolUseAnswer(answer.calls);
      case "text":
        return textAnswer(answer.text);
      case "rate_limited":
        return errorAnswer("ThrottlingException", 429, "Too many requests");
      case "unauthorized":
        return errorAnswer("AccessDeniedException", 403, "You don't have access to the model.");
    }
  };
  return {
    model: new BedrockModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0", { client }),
    answer: (...answers) => server.enqueue(...answers.map(toAnswer)),
    toolNames: () =>
      server.requests.map((sent) =>
        (sent.body.toolConfig as { tools: { toolSpec?: { name: string } }[] }).tools.flatMap(
          (tool) => (tool.toolSpec ? [tool.toolSpec.name] : []),
        ),
      ),
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
});

describeModelContract("aiSdk over @ai-sdk/anthropic", "ai-sdk:anthropic.messages", async () => {
  const server = await startAnthropicServer();
  const toResponse = (answer: ScriptedAnswer): ScriptedResponse => {
    switch (answer.kind) {
      case "calls":
        return { status: 200, body: toolUseMessage(answer.calls) };
      case "text":
        return { status: 200, body: textMessage(answer.text) };
      case "rate_limited":
        return { status: 529, body: anthropicError("overloaded_error", "Overloaded") };
      case "unauthorized":
        return { status: 401, body: anthropicError("authentication_error", "invalid x-api-key") };
    }
  };
  return {
    model: aiSdk(
      createAnthropic({ baseURL: server.baseURL, apiKey: server.apiKey })("claude-sonnet-5"),
    ),
    answer: (...answers) => server.enqueue(...answers.map(toResponse)),
    toolNames: () =>
      server.requests.map((sent) =>
        ((sent.body as { tools?: { name: string }[] }).tools ?? []).map((tool) => tool.name),
      ),
    close: () => server.close(),
  };
});
