// Agents that call agents, and tools that wait for a callback (docs/sub-agents.md, docs/callbacks.md).
import { agentTool, defineAgent, defineTool, doneForNow } from "twelve-agents";
import * as z from "zod";

const deploy = defineTool({
  name: "deploy",
  description: "Deploy a service to production",
  input: z.object({ service: z.string() }),
  kind: "approval",
  run: ({ service }) => `${service} deployed`,
});

export const deployer = defineAgent({
  name: "deployer",
  prompt: "Deploy the services you are asked to, then say what you did.",
  tools: [deploy, doneForNow],
});

export const lead = defineAgent({
  name: "lead",
  prompt: "Plan the release; hand deploys to the deployer.",
  tools: [agentTool(deployer, { description: "Deploy services" }), doneForNow],
});

/** Hands the CI server (`CI_URL`) the ref and the URL its answer goes to. */
const startCi = async (
  ref: string,
  { callback, idempotencyKey }: { callback: { url: string }; idempotencyKey: string },
) => {
  const response = await fetch(process.env.CI_URL ?? "", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ref, callbackUrl: callback.url, idempotencyKey }),
  });
  if (!response.ok) throw new Error(`the CI answered ${response.status}`);
};

const result = z.object({ status: z.enum(["passed", "failed"]), log: z.string() });

const runCi = defineTool({
  name: "run_ci",
  description: "Run the CI pipeline on a git ref; the outcome comes back later",
  input: z.object({ ref: z.string() }),
  kind: "callback",
  timeoutMs: 3_600_000,
  result,
  start: ({ ref }, context) => startCi(ref, context),
});

const quickCi = defineTool({
  name: "quick_ci",
  description: "Run the smoke tests on a git ref; gives up after a second",
  input: z.object({ ref: z.string() }),
  kind: "callback",
  timeoutMs: 1_000,
  result,
  start: ({ ref }, context) => startCi(ref, context),
});

export const releaser = defineAgent({
  name: "releaser",
  prompt: "Run CI on the ref you are given; release only when it passes.",
  tools: [runCi, quickCi, doneForNow],
});
