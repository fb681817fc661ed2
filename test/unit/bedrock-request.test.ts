import { describe, expect, it } from "vitest";
import { baseModelId, capabilitiesOf } from "../../shared/llm/bedrock/capabilities.ts";
import { converseInput, ONE_CALL_FIELDS } from "../../shared/llm/bedrock/request.ts";
import { ONE_CALL_INSTRUCTION } from "../../shared/llm/one-call.ts";

describe("Function: baseModelId", () => {
  it.each([
    ["anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ["global.anthropic.claude-opus-5-5-v1:0", "anthropic.claude-opus-5-5-v1:0"],
    ["apac.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0"],
    [
      "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-3-70b-instruct-v1:0",
      "meta.llama3-3-70b-instruct-v1:0",
    ],
    [
      "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0",
      "anthropic.claude-haiku-4-5-20251001-v1:0",
    ],
  ])("%s names %s", (id, base) => {
    expect(baseModelId(id)).toBe(base);
  });
});

describe("Function: capabilitiesOf", () => {
  it.each([
    // Claude before the newest: forced, cached system and tools.
    ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", true, true, true],
    ["anthropic.claude-haiku-4-5-20251001-v1:0", true, true, true],
    ["anthropic.claude-3-7-sonnet-20250219-v1:0", true, true, true],
    ["anthropic.claude-opus-5-v1:0", true, true, true],
    // Claude 3 and 3.5 Sonnet: forced, no caching on Bedrock.
    ["anthropic.claude-3-haiku-20240307-v1:0", true, false, false],
    ["anthropic.claude-3-5-sonnet-20241022-v2:0", true, false, false],
    // The newest Claude refuse a forced choice.
    ["global.anthropic.claude-opus-5-5-v1:0", false, true, true],
    ["us.anthropic.claude-sonnet-5-5-v1:0", false, true, true],
    ["anthropic.claude-fable-5-2-v1:0", false, true, true],
    // Other models: auto; Nova caches its system prompt.
    ["amazon.nova-pro-v1:0", false, true, false],
    ["meta.llama3-3-70b-instruct-v1:0", false, false, false],
    ["mistral.mistral-large-2407-v1:0", false, false, false],
    [
      "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3",
      false,
      false,
      false,
    ],
  ])("%s: forced %s, system cached %s, tools cached %s", (id, forced, system, tools) => {
    expect(capabilitiesOf(id)).toEqual({
      forcedToolChoice: forced,
      cacheSystem: system,
      cacheTools: tools,
    });
  });
});

describe("Function: converseInput", () => {
  it("leaves out an empty system prompt and an empty tool list (Converse refuses both)", () => {
    const input = converseInput(
      "amazon.nova-lite-v1:0",
      { messages: [{ role: "user", content: "hi" }], tools: [] },
      { forced: true, cacheSystem: true, cacheTools: true },
    );
    expect(input).toEqual({
      modelId: "amazon.nova-lite-v1:0",
      messages: [{ role: "user", content: [{ text: "hi" }] }],
    });
  });

  it("joins the user messages into one turn, as Converse wants turns that alternate", () => {
    const input = converseInput(
      "amazon.nova-lite-v1:0",
      {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "one" },
          { role: "user", content: "two" },
        ],
        tools: [],
      },
      { forced: false, cacheSystem: false, cacheTools: false },
    );
    expect(input.messages).toEqual([{ role: "user", content: [{ text: "one" }, { text: "two" }] }]);
    expect(input.system).toEqual([{ text: "Be brief." }, { text: ONE_CALL_INSTRUCTION }]);
  });

  it("sends an Anthropic model forced to call disable_parallel_tool_use beside toolChoice.any, and nobody else", () => {
    const request = {
      messages: [{ role: "user" as const, content: "hi" }],
      tools: [{ name: "done_for_now", description: "Finish.", parameters: { type: "object" } }],
    };
    const shape = { forced: true, cacheSystem: false, cacheTools: false };
    const claude = converseInput("us.anthropic.claude-sonnet-4-5-20250929-v1:0", request, shape);
    expect(claude.toolConfig?.toolChoice).toEqual({ any: {} });
    expect(claude.additionalModelRequestFields).toEqual({
      tool_choice: { disable_parallel_tool_use: true },
    });
    // No type: Converse merges it into the choice toolConfig names (a type would conflict).
    expect(ONE_CALL_FIELDS.tool_choice).not.toHaveProperty("type");
    // Not with auto (the newest Claude, or after a refused forced choice), nor for other models.
    const auto = converseInput("anthropic.claude-opus-5-5-v1:0", request, {
      ...shape,
      forced: false,
    });
    expect(auto.additionalModelRequestFields).toBeUndefined();
    const nova = converseInput("amazon.nova-pro-v1:0", request, shape);
    expect(nova.additionalModelRequestFields).toBeUndefined();
  });
});
