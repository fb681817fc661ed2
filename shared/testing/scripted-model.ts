import { ScriptError } from "../core/errors.ts";
import type { Model, ModelReply, ModelRequest } from "../core/ports.ts";

/** One scripted answer: a reply, a function of the request, or an error to throw. */
export type ScriptStep = ModelReply | Error | ((request: ModelRequest) => ModelReply);

/** The reply "call `tool` with `args`". */
export const call = (tool: string, args: unknown): ModelReply => ({
  type: "tool_call",
  tool,
  args,
});

/** A reply the reducer cannot use (no tool call, several, unparsable arguments). */
export const invalid = (reason: string): ModelReply => ({ type: "invalid", reason });

/**
 * A model that plays a script, for tests and demos: it records every request, fails loudly when
 * called past the end of its script, and `assertDone()` fails while steps are left unused.
 *
 * @example
 * const model = new ScriptedModel([call("add", { a: 1, b: 2 }), call("done_for_now", { message: "3" })]);
 */
export class ScriptedModel implements Model {
  readonly calls: ModelRequest[] = [];
  private readonly script: ScriptStep[];

  constructor(script: readonly ScriptStep[]) {
    this.script = [...script];
  }

  async next(request: ModelRequest): Promise<ModelReply> {
    this.calls.push(request);
    const step = this.script[this.calls.length - 1];
    if (step === undefined) {
      throw new ScriptError(
        `ScriptedModel called ${this.calls.length} times but its script has ${this.script.length} steps`,
      );
    }
    if (step instanceof Error) throw step;
    return typeof step === "function" ? step(request) : step;
  }

  /** Steps of the script not played yet. */
  get remaining(): number {
    return Math.max(0, this.script.length - this.calls.length);
  }

  /** Throws when the script has steps left: a test expected calls that never happened. */
  assertDone(): void {
    if (this.remaining > 0) {
      throw new ScriptError(
        `ScriptedModel has ${this.remaining} unused steps (called ${this.calls.length} of ${this.script.length})`,
      );
    }
  }
}
