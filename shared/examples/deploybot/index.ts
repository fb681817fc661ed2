import {
  type Agent,
  defineAgent,
  defineTool,
  doneForNow,
  requestMoreInformation,
} from "twelve-agents";
import * as z from "zod";
import { deploybotPrompt } from "./prompt.ts";
import { type Service, SimulatedDeployTarget } from "./target.ts";

/**
 * The deploy bot: pre-fetches the git tags (factor 13), and every deployment waits for approval.
 * Deployments go to `target`, which receives each call's idempotency key.
 */
export function createDeploybot(target = new SimulatedDeployTarget()): Agent {
  const listGitTags = defineTool({
    name: "list_git_tags",
    description: "List the recent git tags that can be deployed.",
    input: z.object({}),
    kind: "sync",
    run: () => target.listTags(),
  });
  const deployTool = (service: Service) =>
    defineTool({
      name: `deploy_${service}`,
      description: `Deploy a git tag to the ${service}. A person must approve.`,
      input: z.object({ tag: z.string().describe("A tag from list_git_tags") }),
      kind: "approval",
      run: ({ tag }, { idempotencyKey }) => target.deploy(service, tag, idempotencyKey),
    });
  return defineAgent({
    name: "deploybot",
    prompt: deploybotPrompt,
    tools: [
      listGitTags,
      deployTool("backend"),
      deployTool("frontend"),
      requestMoreInformation,
      doneForNow,
    ],
    prefetch: [{ tool: listGitTags, args: {} }],
    maxSteps: 12,
    schedules: [
      {
        name: "daily-backend",
        expression: "rate(1 day)",
        message: "Deploy the newest tag to the backend if it is not deployed yet.",
      },
    ],
  });
}
