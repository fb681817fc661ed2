import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { ModelReply } from "../../shared/core/ports.ts";
import { step } from "../../shared/core/step.ts";
import { derivePending, deriveStatus, type Thread } from "../../shared/core/thread.ts";
import { calculator, createDeploybot } from "../../shared/examples/agents.ts";
import { SimulatedDeployTarget } from "../../shared/examples/deploybot/target.ts";
import { call, invalid, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";
import { runs, timeout } from "./world.ts";

/** Events only a person or a system outside the reducer may add. */
const HUMAN_EVENTS = new Set<ThreadEvent["type"]>([
  "user_message",
  "approval_decision",
  "human_response",
  "cancelled",
  "retry_requested",
]);

/** Arguments a hostile model might send: anything, and fields that look like an answer. */
const hostileArgs = fc.oneof(
  fc.jsonValue(),
  fc.record({
    callId: fc.constantFrom("call_1", "call_2", "call_3", "call_4"),
    approved: fc.constant(true),
    response: fc.string(),
    comment: fc.string(),
    argsHash: fc.string(),
  }),
  fc.record({ a: fc.integer(), b: fc.integer() }),
  fc.record({ tag: fc.constantFrom("v1.1.0", "v1.0.9"), message: fc.string() }),
);

/** Tool names the agents know, and names of events and answers the model might try. */
const toolName = fc.constantFrom(
  "add",
  "divide",
  "multiply",
  "request_more_information",
  "done_for_now",
  "deploy_backend",
  "deploy_frontend",
  "list_git_tags",
  "approval_decision",
  "human_response",
  "approve",
  "respond",
  "escalation",
);

const reply: fc.Arbitrary<ModelReply> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(toolName, hostileArgs).map(([tool, args]) => call(tool, args)) },
  { weight: 1, arbitrary: fc.string().map((text) => invalid(text)) },
);

describe("the model's authority", () => {
  it(
    "never authors a decision, an answer or a message, and never runs an approval tool unasked",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("calculator", "deploybot"),
          fc.array(reply, { minLength: 1, maxLength: 30 }),
          async (name, replies) => {
            // Prepare: the agents, with a deploy target that records every deployment
            const target = new SimulatedDeployTarget();
            const agent = name === "calculator" ? calculator : createDeploybot(target);
            const clock = steppingClock();
            let thread: Thread = launch({ agent, threadId: "t", message: "go", clock });
            const model = new ScriptedModel(replies);

            // Act: step while the thread runs and the model has answers left
            const produced: ThreadEvent[] = [];
            while (deriveStatus(thread.events) === "running" && model.remaining > 0) {
              const { events } = await step(thread, { agent, model, clock });
              produced.push(...events);
              thread = { ...thread, events: [...thread.events, ...events] };
            }

            // Assess: only reducer events, none naming a person, no deployment without a decision
            for (const event of produced) {
              expect(HUMAN_EVENTS.has(event.type), JSON.stringify(event)).toBe(false);
              expect(event.by).toBeUndefined();
            }
            expect(target.deployments).toEqual([]);
            const pending = derivePending(thread.events);
            if (deriveStatus(thread.events).startsWith("waiting")) expect(pending).not.toBeNull();
          },
        ),
        { ...runs(300) },
      );
    },
    timeout,
  );
});
