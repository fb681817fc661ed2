import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { step } from "../../shared/core/step.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { call, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";

describe("Function: step", () => {
  describe("a sync tool's arguments", () => {
    it("are parsed once per call, and run() gets the parsed value", async () => {
      // Prepare: a schema that counts its parses and normalises what it parses
      let parses = 0;
      const received: unknown[] = [];
      const shout = defineTool({
        name: "shout",
        description: "Shout a word.",
        input: z.object({
          word: z
            .string()
            .trim()
            .refine(() => ++parses > 0),
        }),
        kind: "sync",
        run: (args) => {
          received.push(args);
          return args.word.toUpperCase();
        },
      });
      const agent = defineAgent({ name: "shouter", prompt: () => "Shout.", tools: [shout] });
      const clock = steppingClock();
      const thread = launch({ agent, threadId: "thr_shout", message: "hey", clock });
      const model = new ScriptedModel([call("shout", { word: "  hey  " })]);

      // Act
      const { events, next } = await step(thread, { agent, model, clock });

      // Assess
      expect(parses).toBe(1);
      expect(received).toEqual([{ word: "hey" }]);
      expect(events.map((event) => event.type)).toEqual(["tool_call", "tool_result"]);
      expect(events[1]?.data).toMatchObject({ result: "HEY" });
      expect(next).toEqual({ type: "continue" });
    });
  });
});
