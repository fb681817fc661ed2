import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { defineAgent } from "../../shared/core/agent.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { ModelReply, ModelRequest } from "../../shared/core/ports.ts";
import { step } from "../../shared/core/step.ts";
import type { Thread } from "../../shared/core/thread.ts";
import { requestTokens } from "../../shared/core/tokens.ts";
import { calculator } from "../../shared/examples/calculator/index.ts";
import { steppingClock } from "../../shared/testing/clock.ts";
import { USER_MESSAGE } from "./twelve.ts";

/** The budget the bench holds the calculator loop to. */
export const CONTEXT_BUDGET = 3000;

const budgeted = defineAgent({
  name: "calculator",
  prompt: calculator.prompt,
  tools: calculator.tools,
  maxSteps: 1_000_000,
  contextBudget: CONTEXT_BUDGET,
});

/** o200k tokens of a request, counted as the budget is (messages, overheads, tool schemas). */
const o200k = (request: ModelRequest) => requestTokens(request, (text) => encode(text).length);

/**
 * The calculator loop (step i calls add(i, 1)) under `CONTEXT_BUDGET`: for each length, the
 * largest model request (o200k) of the steps up to it, and the compactions written by then.
 */
export async function budgetedContext(lengths: readonly number[]) {
  const clock = steppingClock();
  let thread: Thread = launch({
    agent: budgeted,
    threadId: "thr_Qm9vYnVkZ2V0ZWQ",
    message: USER_MESSAGE,
    clock,
  });
  let largest = 0;
  let calls = 0;
  const model = {
    async next(request: ModelRequest): Promise<ModelReply> {
      largest = Math.max(largest, o200k(request));
      return { type: "tool_call", tool: "add", args: { a: calls++, b: 1 } };
    },
  };
  const rows: { length: number; maxRequestTokens: number; compactions: number }[] = [];
  const longest = Math.max(...lengths);
  for (let n = 1; n <= longest; n++) {
    const { events } = await step(thread, { agent: budgeted, model, clock });
    thread = { ...thread, events: [...thread.events, ...events] };
    if (lengths.includes(n)) {
      const compactions = thread.events.filter((event) => event.type === "compaction").length;
      rows.push({ length: n, maxRequestTokens: largest, compactions });
    }
  }
  return rows;
}
