import { describe, expect, it } from "vitest";
import { refusesForcedChoice } from "../../shared/llm/bedrock/errors.ts";

const validation = (message: string) =>
  Object.assign(new Error(message), { name: "ValidationException" });

describe("Function: refusesForcedChoice", () => {
  it.each([
    "This model doesn't support the toolConfig.toolChoice.any field. Remove toolConfig.toolChoice.any and try again.",
    "The model returned the following errors: tool_choice: Extra inputs are not permitted",
    "The model returned the following errors: disable_parallel_tool_use: unexpected field",
    "The model returned the following errors: missing field `type`",
  ])("reads a 400 about the forced choice or its Claude field as a refusal: %s", (message) => {
    expect(refusesForcedChoice(validation(message))).toBe(true);
  });

  it("reads any other 400, or another error naming the choice, as no refusal", () => {
    expect(refusesForcedChoice(validation("messages: text content blocks must be non-empty"))).toBe(
      false,
    );
    expect(refusesForcedChoice(new Error("toolChoice any is throttled"))).toBe(false);
  });
});
