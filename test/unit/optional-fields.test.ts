import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { parseToolArgs } from "../../shared/core/tool-args.ts";
import { call, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";
import { runUntilIdle } from "../support/run.ts";

const toolOf = (input: z.ZodObject) =>
  defineTool({ name: "t", description: "d", input, kind: "terminal" });

describe("Function: parseToolArgs", () => {
  it("reads null for an optional field as the field left out", () => {
    const tool = toolOf(z.object({ title: z.string(), note: z.string().optional() }));
    const parsed = parseToolArgs(tool, { title: "Fix it", note: null });
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual({ title: "Fix it" });
    expect(Object.hasOwn(parsed.data ?? {}, "note")).toBe(false);
  });

  it("keeps a value sent for an optional field, and accepts the field left out", () => {
    const tool = toolOf(z.object({ note: z.string().optional() }));
    expect(parseToolArgs(tool, { note: "hi" }).data).toEqual({ note: "hi" });
    expect(parseToolArgs(tool, {}).data).toEqual({});
  });

  it("keeps null where the field takes null itself (.nullable(), .nullish())", () => {
    const tool = toolOf(z.object({ a: z.string().nullable(), b: z.string().nullish() }));
    expect(parseToolArgs(tool, { a: null, b: null }).data).toEqual({ a: null, b: null });
  });

  it("still refuses null for a required field", () => {
    const tool = toolOf(z.object({ a: z.string(), b: z.string().optional() }));
    const parsed = parseToolArgs(tool, { a: null, b: null });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path)).toEqual([["a"]]);
  });

  it.each<[string, z.ZodObject, unknown, unknown]>([
    [
      "a nested object",
      z.object({ order: z.object({ id: z.string(), note: z.string().optional() }) }),
      { order: { id: "o1", note: null } },
      { order: { id: "o1" } },
    ],
    [
      "an optional nested object",
      z.object({ order: z.object({ id: z.string() }).optional() }),
      { order: null },
      {},
    ],
    [
      "a list of objects",
      z.object({ items: z.array(z.object({ id: z.string(), qty: z.number().optional() })) }),
      {
        items: [
          { id: "a", qty: null },
          { id: "b", qty: 2 },
        ],
      },
      { items: [{ id: "a" }, { id: "b", qty: 2 }] },
    ],
    [
      "a tuple",
      z.object({ pair: z.tuple([z.string(), z.object({ at: z.string().optional() })]) }),
      { pair: ["x", { at: null }] },
      { pair: ["x", {}] },
    ],
    [
      "the branch a discriminated union took",
      z.object({
        target: z.discriminatedUnion("kind", [
          z.object({ kind: z.literal("team"), lead: z.string().nullable() }),
          z.object({ kind: z.literal("person"), lead: z.string().optional() }),
        ]),
      }),
      { target: { kind: "team", lead: null } },
      { target: { kind: "team", lead: null } },
    ],
    [
      "the other branch of that union",
      z.object({
        target: z.discriminatedUnion("kind", [
          z.object({ kind: z.literal("team"), lead: z.string().nullable() }),
          z.object({ kind: z.literal("person"), lead: z.string().optional() }),
        ]),
      }),
      { target: { kind: "person", lead: null } },
      { target: { kind: "person" } },
    ],
  ])("reads null as absent in %s", (_case, input, args, expected) => {
    const parsed = parseToolArgs(toolOf(input), args);
    expect(parsed.error).toBeUndefined();
    expect(parsed.data).toEqual(expected);
  });

  it("follows a recursive input's references", () => {
    interface Node {
      name: string;
      kids?: Node[] | undefined;
    }
    const node = z.object({
      name: z.string(),
      get kids(): z.ZodOptional<z.ZodArray<z.ZodType<Node>>> {
        return z.array(node).optional();
      },
    });
    // The input itself (`$ref: "#"`), and the input as a field (`$ref: "#/$defs/..."`).
    const self = toolOf(node);
    const nested = toolOf(z.object({ root: node }));
    const args = { name: "a", kids: [{ name: "b", kids: null }] };
    expect(parseToolArgs(self, args).data).toEqual({ name: "a", kids: [{ name: "b" }] });
    expect(parseToolArgs(nested, { root: args }).data).toEqual({
      root: { name: "a", kids: [{ name: "b" }] },
    });
  });
});

describe("Function: step", () => {
  describe("a tool with .optional() fields", () => {
    it("runs with null read as absent, and with the field left out of a scripted call", async () => {
      // Prepare
      const received: unknown[] = [];
      const note = defineTool({
        name: "note",
        description: "Write a note.",
        input: z.object({ text: z.string(), tag: z.string().optional() }),
        kind: "sync",
        run: (args) => {
          received.push(args);
          return args.tag ?? "untagged";
        },
      });
      const agent = defineAgent({
        name: "notes",
        prompt: () => "Note.",
        tools: [note, doneForNow],
      });
      const clock = steppingClock();
      const thread = launch({ agent, threadId: "thr_opt", message: "hey", clock });
      const model = new ScriptedModel([
        call("note", { text: "a", tag: null }),
        call("note", { text: "b" }),
        call("note", { text: "c", tag: "x" }),
        call("done_for_now", { message: "noted" }),
      ]);

      // Act
      const { thread: after, next } = await runUntilIdle(thread, { agent, model, clock });

      // Assess: each call is saved as the model sent it; the tool never sees a null tag
      expect(next).toEqual({ type: "done", output: "noted" });
      const calls = after.events.filter((event) => event.type === "tool_call");
      expect(calls[0]?.data).toMatchObject({ args: { text: "a", tag: null } });
      expect(received).toEqual([{ text: "a" }, { text: "b" }, { text: "c", tag: "x" }]);
      const results = after.events.filter((event) => event.type === "tool_result");
      expect(results.map((event) => (event.data as { result: unknown }).result)).toEqual([
        "untagged",
        "untagged",
        "x",
      ]);
      model.assertDone();
    });
  });
});
