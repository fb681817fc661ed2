import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { call, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";
import { saveThenRun } from "../support/run.ts";

describe("Function: step", () => {
  describe("a sync tool's arguments", () => {
    it("are parsed when the model chooses the call and when it runs, and run() gets the parsed value", async () => {
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
      const agent = defineAgent({
        name: "shouter",
        prompt: () => "Shout.",
        tools: [shout, doneForNow],
      });
      const clock = steppingClock();
      const thread = launch({ agent, threadId: "thr_shout", message: "hey", clock });
      const model = new ScriptedModel([
        call("shout", { word: "  hey  " }),
        call("shout", { word: "bye" }),
      ]);

      // Act
      const { saved, ran, next } = await saveThenRun(thread, { agent, model, clock });

      // Assess: the call is saved as the model wrote it; the run gets the parsed value
      expect(saved.map((event) => event.type)).toEqual(["tool_call"]);
      expect(saved[0]?.data).toMatchObject({ args: { word: "  hey  " } });
      expect(received).toEqual([{ word: "hey" }]);
      expect(parses).toBe(3); // chosen, run, and the second call chosen
      expect(ran.map((event) => event.type)).toEqual(["tool_result", "tool_call"]);
      expect(ran[0]?.data).toMatchObject({ result: "HEY" });
      expect(next).toEqual({ type: "continue" });
    });
  });
});
