import { Duration } from "aws-cdk-lib";
import { EventBus, EventField, Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { LAUNCH_DETAIL_TYPE } from "../../shared/aws/events/eventbridge-notifier.ts";
import type { Agent } from "../../shared/core/agent.ts";

export interface AgentTriggersProps {
  /** The agents served: each schedule an agent declares becomes one rule. */
  agents: Iterable<Agent>;
  /** The trigger handler, which launches an agent from a rule's input or an event's detail. */
  trigger: IFunction;
  eventBusName: string;
}

export { LAUNCH_DETAIL_TYPE };

/**
 * EventBridge for the agents (factor 11): the bus the worker publishes `thread.waiting` notices
 * to, one scheduled rule per schedule an agent declares in code (the same input the local
 * scheduler sends: agent, message, schedule, firing time), and a rule that launches an agent from
 * an `agent.launch` event on the bus.
 *
 * @example
 * const triggers = new AgentTriggers(this, "Triggers", {
 *   agents: agents.values(), trigger, eventBusName: "twelve-agents",
 * });
 * triggers.bus.grantPutEventsTo(worker);
 */
export class AgentTriggers extends Construct {
  readonly bus: EventBus;
  /** The scheduled rules, by `<agent>-<schedule>`. */
  readonly schedules = new Map<string, Rule>();
  readonly launchRule: Rule;

  constructor(scope: Construct, id: string, props: AgentTriggersProps) {
    super(scope, id);
    this.bus = new EventBus(this, "Bus", { eventBusName: props.eventBusName });
    for (const agent of props.agents) {
      for (const schedule of agent.schedules) {
        // The schedule's id in idempotency keys, as the local scheduler names it.
        const name = `${agent.name}-${schedule.name}`;
        // Schedule expressions run on the default bus only.
        const rule = new Rule(this, `Schedule-${name}`, {
          description: `Launches ${agent.name} on ${schedule.expression} (${schedule.name})`,
          schedule: Schedule.expression(schedule.expression),
          targets: [
            target(
              props.trigger,
              RuleTargetInput.fromObject({
                agent: agent.name,
                message: schedule.message,
                schedule: name,
                time: EventField.time,
              }),
            ),
          ],
        });
        this.schedules.set(name, rule);
      }
    }
    this.launchRule = new Rule(this, "Launch", {
      description: `Launches the agent named in the detail of an ${LAUNCH_DETAIL_TYPE} event`,
      eventBus: this.bus,
      eventPattern: { detailType: [LAUNCH_DETAIL_TYPE] },
      targets: [target(props.trigger)],
    });
  }
}

/** EventBridge retries a failed launch a little, then gives up: a stale launch is worth nothing. */
const target = (fn: IFunction, event?: RuleTargetInput) =>
  new LambdaFunction(fn, {
    ...(event ? { event } : {}),
    retryAttempts: 2,
    maxEventAge: Duration.hours(1),
  });
