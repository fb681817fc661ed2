import * as z from "zod";
import {
  agentTool,
  defineAgent,
  defineTool,
  doneForNow,
  type Model,
  type ModelRequest,
} from "../../shared/core/index.ts";

/**
 * A model whose answer follows from what the context shows, so a repeated step answers alike;
 * `metered` gives it an identity and the usage each answer reports.
 */
export const ruleModel = (
  rule: (context: string) => { tool: string; args: unknown },
  metered?: Pick<Model, "identity"> & { usage: { inputTokens: number; outputTokens: number } },
): Model => ({
  ...(metered?.identity ? { identity: metered.identity } : {}),
  next: async (request: ModelRequest) => ({
    type: "tool_call",
    ...rule(request.messages.map((m) => m.content).join("\n")),
    ...(metered ? { usage: metered.usage } : {}),
  }),
});

const deploy = defineTool({
  name: "deploy",
  description: "Deploy a service",
  input: z.object({ service: z.string() }),
  kind: "approval",
  run: ({ service }) => `${service} deployed`,
});

/** A child that deploys once approved. */
export const deployer = defineAgent({
  name: "deployer",
  prompt: "Deploy.",
  tools: [deploy, doneForNow],
  model: ruleModel((context) =>
    context.includes("<deploy_result>")
      ? { tool: "done_for_now", args: { message: "api deployed" } }
      : { tool: "deploy", args: { service: "api" } },
  ),
});

/** A parent that hands the deploy to `deployer`, then reports. */
export const lead = defineAgent({
  name: "lead",
  prompt: "Delegate.",
  tools: [agentTool(deployer), doneForNow],
  model: ruleModel((context) =>
    context.includes("<deployer_result>")
      ? { tool: "done_for_now", args: { message: "release done" } }
      : { tool: "deployer", args: { message: "deploy the api" } },
  ),
});
