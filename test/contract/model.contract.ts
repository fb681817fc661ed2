import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelError } from "../../shared/core/errors.ts";
import type { Model, ModelRequest } from "../../shared/core/ports.ts";
import { calculator } from "../../shared/examples/agents.ts";

/** What the suite asks a provider's wire fake to answer next. */
export type ScriptedAnswer =
  | { kind: "calls"; calls: [name: string, args: Record<string, unknown>][] }
  | { kind: "text"; text: string }
  | { kind: "rate_limited" }
  | { kind: "unauthorized" };

/** One adapter on its wire fake, fresh for each test. */
export interface ModelWire {
  /** The adapter under test, reaching the fake through its real SDK, with no SDK retries. */
  model: Model;
  /** Queues answers, one per request. */
  answer(...answers: ScriptedAnswer[]): void;
  /** The tool names each request carried, in order. */
  toolNames(): string[][];
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
 * What every `Model` adapter promises the core, run against each one on its wire fake (OpenAI's
 * Chat Completions, Bedrock's Converse): one call is a `tool_call` with its usage; text or several
 * calls are `invalid` with the shared one-call reasons; a rate limit is a retryable `ModelError`
 * and an authorization failure a terminal one; every tool goes out; the adapter names itself.
 *
 * @example
 * describeModelContract("OpenAIModel", "openai", async () => openAIWire());
 */
export function describeModelContract(
  name: string,
  provider: string,
  makeWire: () => Promise<ModelWire>,
): void {
  describe(`Contract: Model (${name})`, () => {
    let wire: ModelWire;
    beforeEach(async () => {
      wire = await makeWire();
    });
    afterEach(async () => {
      await wire.close();
    });

    it("maps one call to a tool_call with its arguments and token counts, sending every tool", async () => {
      wire.answer({ kind: "calls", calls: [["add", { a: 3, b: 4 }]] });
      const reply = await wire.model.next(request);
      expect(reply).toMatchObject({ type: "tool_call", tool: "add", args: { a: 3, b: 4 } });
      expect(reply.usage?.inputTokens).toBeGreaterThan(0);
      expect(reply.usage?.outputTokens).toBeGreaterThan(0);
      expect(wire.toolNames()).toEqual([calculator.tools.map((tool) => tool.name)]);
    });

    it("reads text as an invalid reply the model can act on", async () => {
      wire.answer({ kind: "text", text: "It is 7." });
      expect(await wire.model.next(request)).toMatchObject({
        type: "invalid",
        reason:
          'the model replied with text instead of a tool call: "It is 7."; reply with exactly one tool call',
      });
    });

    it("reads two calls as an invalid reply naming both", async () => {
      wire.answer({
        kind: "calls",
        calls: [
          ["add", { a: 1, b: 2 }],
          ["subtract", { a: 5, b: 1 }],
        ],
      });
      expect(await wire.model.next(request)).toMatchObject({
        type: "invalid",
        reason: "the model made 2 tool calls (add, subtract); reply with exactly one tool call",
      });
    });

    it("throws a retryable ModelError on a rate limit, and a terminal one when not authorized", async () => {
      wire.answer({ kind: "rate_limited" }, { kind: "unauthorized" });
      const limited = await wire.model.next(request).catch((error: unknown) => error);
      const denied = await wire.model.next(request).catch((error: unknown) => error);
      expect(limited).toBeInstanceOf(ModelError);
      expect((limited as ModelError).retryable).toBe(true);
      expect(denied).toBeInstanceOf(ModelError);
      expect((denied as ModelError).retryable).toBe(false);
    });

    it("names its provider", () => {
      expect(wire.model.identity?.provider).toBe(provider);
    });
  });
}
