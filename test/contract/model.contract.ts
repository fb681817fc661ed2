import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelError } from "../../shared/core/errors.ts";
import type { Model, ModelRequest } from "../../shared/core/ports.ts";
import { calculator } from "../../shared/examples/agents.ts";

/** What the provider's wire answers next, in the terms every adapter shares. */
export type ProviderAnswer =
  | { kind: "calls"; calls: readonly (readonly [name: string, args: Record<string, unknown>])[] }
  | { kind: "text"; text: string }
  /** A failure a later attempt may get past (429, overloaded, 5xx), as the provider sends it. */
  | { kind: "busy" }
  /** The key or credentials refused (401 / access denied), as the provider sends it. */
  | { kind: "rejected_key" };

/** An adapter wired to a local fake of its provider's API. */
export interface ModelUnderContract {
  model: Model;
  /** Queues the answers the fake plays, one per request. */
  answer(...answers: ProviderAnswer[]): void;
  close(): Promise<void>;
}

const request: ModelRequest = {
  messages: [
    { role: "system", content: "You are a calculator." },
    { role: "user", content: "<user_message>\nwhat is 3 + 4?\n</user_message>" },
  ],
  tools: calculator.tools.map((tool) => tool.spec),
};

/**
 * What every model adapter promises the step (the one-call contract of factor 1 and the
 * `ModelError` contract), run against each adapter through the real SDK and a local fake of its
 * provider's API. `start` wires a new adapter and fake for each test.
 *
 * @example
 * describeModelContract("aiSdk over @ai-sdk/anthropic", async () => {
 *   const server = await startAnthropicServer();
 *   return { model: aiSdk(...), answer: (...a) => server.enqueue(...a.map(toMessages)), close: () => server.close() };
 * });
 */
export function describeModelContract(
  name: string,
  start: () => Promise<ModelUnderContract>,
): void {
  describe(`Contract: Model (${name})`, () => {
    let wired: ModelUnderContract;

    beforeEach(async () => {
      wired = await start();
    });

    afterEach(async () => {
      await wired.close();
    });

    const failure = async (): Promise<ModelError> => {
      const error = await wired.model.next(request).then(
        () => expect.fail("expected a ModelError"),
        (cause: unknown) => cause,
      );
      expect(error).toBeInstanceOf(ModelError);
      return error as ModelError;
    };

    it("says which provider and model it is", () => {
      expect(wired.model.identity?.provider).toMatch(/\S/);
      expect(wired.model.identity?.model).toMatch(/\S/);
    });

    it("answers one call as a tool_call with its parsed arguments and the call's usage", async () => {
      wired.answer({ kind: "calls", calls: [["add", { a: 3, b: 4 }]] });
      const reply = await wired.model.next(request);
      expect(reply).toMatchObject({ type: "tool_call", tool: "add", args: { a: 3, b: 4 } });
      expect(reply.usage).toMatchObject({
        inputTokens: expect.any(Number),
        outputTokens: expect.any(Number),
        model: expect.stringMatching(/\S/),
      });
    });

    it("answers text as invalid, with a reason the model reads", async () => {
      wired.answer({ kind: "text", text: "3 + 4 is 7." });
      const reply = await wired.model.next(request);
      expect(reply).toMatchObject({
        type: "invalid",
        reason: expect.stringContaining("text instead of a tool call"),
      });
    });

    it("answers two calls as invalid, naming both", async () => {
      wired.answer({
        kind: "calls",
        calls: [
          ["add", { a: 3, b: 4 }],
          ["multiply", { a: 3, b: 4 }],
        ],
      });
      const reply = await wired.model.next(request);
      expect(reply).toMatchObject({
        type: "invalid",
        reason: expect.stringContaining("2 tool calls (add, multiply)"),
      });
    });

    it("throws a retryable ModelError when the provider is busy", async () => {
      wired.answer({ kind: "busy" });
      expect((await failure()).retryable).toBe(true);
    });

    it("throws a non-retryable ModelError when the key is refused", async () => {
      wired.answer({ kind: "rejected_key" });
      expect((await failure()).retryable).toBe(false);
    });
  });
}
