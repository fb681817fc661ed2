import * as z from "zod";
import {
  agentTool,
  defineAgent,
  defineTool,
  doneForNow,
  type Model,
} from "../../shared/core/index.ts";
import { ruleModel } from "./sub-agent-fixtures.ts";

/**
 * A model on gpt-4o-mini (priced) that reports 1,000 input and 10 output tokens per call, and
 * answers by what the context shows, so a repeated step answers alike.
 */
const metered = (rule: Parameters<typeof ruleModel>[0]): Model =>
  ruleModel(rule, {
    identity: { provider: "openai", model: "gpt-4o-mini" },
    usage: { inputTokens: 1_000, outputTokens: 10 },
  });

const done = (message: string) => ({ tool: "done_for_now", args: { message } });

/** A grandchild: reads, and is done. */
const reader = defineAgent({
  name: "reader",
  prompt: "Read.",
  tools: [doneForNow],
  model: metered(() => done("read it")),
});

/** A child that hands the reading to `reader`. */
const researcher = defineAgent({
  name: "researcher",
  prompt: "Research.",
  tools: [agentTool(reader), doneForNow],
  model: metered((c) =>
    c.includes("<reader_result>")
      ? done("researched")
      : { tool: "reader", args: { message: "read" } },
  ),
});

const ship = defineTool({
  name: "ship",
  description: "Ship a release",
  input: z.object({ version: z.string() }),
  kind: "approval",
  run: ({ version }) => `${version} shipped`,
});

/** A child that ships once a person approves. */
const shipper = defineAgent({
  name: "shipper",
  prompt: "Ship.",
  tools: [ship, doneForNow],
  model: metered((c) =>
    c.includes("<ship_result>") ? done("shipped") : { tool: "ship", args: { version: "1.4.2" } },
  ),
});

/**
 * Two levels: `planner` → `researcher` → `reader`, then `planner` → `shipper`, which waits for
 * approval. Every model call reports usage, so the tree's roll-up has something to sum: eight
 * calls by the time the planner is done.
 */
export const planner = defineAgent({
  name: "planner",
  prompt: "Plan.",
  tools: [agentTool(researcher), agentTool(shipper), doneForNow],
  model: metered((c) => {
    if (c.includes("<shipper_result>")) return done("planned and shipped");
    if (c.includes("<researcher_result>")) return { tool: "shipper", args: { message: "ship" } };
    return { tool: "researcher", args: { message: "research" } };
  }),
});

/** The tokens `run_ci` was handed, by thread: the test plays the CI that answers. */
export const ciTokens = new Map<string, string>();

const runCi = defineTool({
  name: "run_ci",
  description: "Run CI on a ref; it calls back with the outcome",
  input: z.object({ ref: z.string() }),
  kind: "callback",
  timeoutMs: 3_600_000,
  result: z.object({ status: z.enum(["passed", "failed"]) }),
  start: (_args, { threadId, callback }) => {
    ciTokens.set(threadId, callback.token);
  },
});

/** Runs CI, then ships once a person approves. */
const ci = (c: string) => {
  if (c.includes("<ship_result>")) return done("CI passed, shipped");
  if (c.includes("<run_ci_result>")) return { tool: "ship", args: { version: "2.0.0" } };
  return { tool: "run_ci", args: { ref: "main" } };
};

/** An agent that waits for CI to call back, then for a person to approve the ship. */
export const tester = defineAgent({
  name: "tester",
  prompt: "Test, then ship.",
  tools: [runCi, ship, doneForNow],
  model: metered(ci),
});

/** A root whose child waits for a callback. */
export const releaser = defineAgent({
  name: "releaser",
  prompt: "Release after testing.",
  tools: [agentTool(tester), doneForNow],
  model: metered((c) =>
    c.includes("<tester_result>")
      ? done("released")
      : { tool: "tester", args: { message: "test main" } },
  ),
});
