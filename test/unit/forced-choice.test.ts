import { describe, expect, it } from "vitest";
import { takesForcedChoice } from "../../shared/llm/ai-sdk/forced-choice.ts";
import { capabilitiesOf } from "../../shared/llm/bedrock/capabilities.ts";
import { claudeRefusesForcedChoice } from "../../shared/llm/forced-choice.ts";
import { networkCode } from "../../shared/llm/network-code.ts";

// One table of the Claude models that refuse a forced tool choice, read by both adapters: each
// row holds for the table itself, for Bedrock's capabilities and for the AI SDK's rules.
const rows: readonly [modelId: string, refuses: boolean][] = [
  ["claude-opus-5-5", true],
  ["claude-sonnet-5-5-20270101", true],
  ["claude-fable-5-1", true],
  ["claude-fable-5-2", true],
  ["claude-opus-5-5@20270101", true],
  ["global.anthropic.claude-opus-5-5-v1:0", true],
  ["us.anthropic.claude-sonnet-5-5-v1:0", true],
  ["arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-fable-5-2-v1:0", true],
  ["claude-sonnet-5", false],
  ["claude-sonnet-5-50", false],
  ["claude-fable-5-3", false],
  ["claude-opus-4-1", false],
  ["anthropic.claude-sonnet-4-5-20250929-v1:0", false],
  ["us.anthropic.claude-3-5-sonnet-20240620-v1:0", false],
];

describe("the forced-choice table all adapters share", () => {
  it.each(rows)("%s refuses a forced choice: %s", (modelId, refuses) => {
    expect(claudeRefusesForcedChoice(modelId)).toBe(refuses);
    expect(capabilitiesOf(modelId).forcedToolChoice).toBe(!refuses);
    expect(takesForcedChoice({ provider: "anthropic.messages", modelId })).toBe(!refuses);
  });

  it("keeps each adapter's own rules on top: Bedrock's models other than Claude are asked with auto", () => {
    expect(capabilitiesOf("amazon.nova-pro-v1:0").forcedToolChoice).toBe(false);
    expect(takesForcedChoice({ provider: "amazon-bedrock", modelId: "amazon.nova-pro-v1:0" })).toBe(
      false,
    );
    expect(takesForcedChoice({ provider: "openai.chat", modelId: "gpt-5" })).toBe(true);
  });
});

describe("networkCode, read by every adapter's error mapping", () => {
  it("finds a connection's code on the error or up to its fourth cause, and nothing else", () => {
    const refused = Object.assign(new Error("connect"), { code: "ECONNREFUSED" });
    const wrap = (cause: unknown) => new Error("fetch failed", { cause });
    expect(networkCode(refused)).toBe("ECONNREFUSED");
    expect(networkCode(wrap(wrap(wrap(refused))))).toBe("ECONNREFUSED");
    expect(networkCode(wrap(wrap(wrap(wrap(refused)))))).toBeUndefined();
    expect(
      networkCode(Object.assign(new Error("x"), { code: "ThrottlingException" })),
    ).toBeUndefined();
    expect(networkCode("ECONNREFUSED")).toBeUndefined();
  });
});
