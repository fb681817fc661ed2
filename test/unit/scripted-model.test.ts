import { describe, expect, it } from "vitest";
import { ScriptError } from "../../shared/core/errors.ts";
import type { ModelRequest } from "../../shared/core/ports.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";

const request: ModelRequest = { messages: [{ role: "user", content: "hi" }], tools: [] };

describe("Class: ScriptedModel", () => {
  it("plays its script in order and records each request", async () => {
    const model = new ScriptedModel([
      call("a", {}),
      (req) => call("echo", { n: req.messages.length }),
    ]);
    expect(await model.next(request)).toEqual(call("a", {}));
    expect(await model.next(request)).toEqual(call("echo", { n: 1 }));
    expect(model.calls).toEqual([request, request]);
    expect(() => model.assertDone()).not.toThrow();
  });

  it("fails when called past the end of its script", async () => {
    const model = new ScriptedModel([]);
    await expect(model.next(request)).rejects.toThrow(ScriptError);
  });

  it("fails assertDone while steps are unused", async () => {
    const model = new ScriptedModel([call("a", {}), call("b", {})]);
    await model.next(request);
    expect(() => model.assertDone()).toThrow(/1 unused steps/);
  });

  it("throws a scripted error", async () => {
    const model = new ScriptedModel([new Error("boom")]);
    await expect(model.next(request)).rejects.toThrow("boom");
  });
});
