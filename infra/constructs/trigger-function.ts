import type { Duration } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { Construct } from "constructs";
import type { Agent } from "../../shared/core/agent.ts";
import { AgentTriggers } from "./agent-triggers.ts";
import type { MakeFunction } from "./function-factory.ts";
import { visibilityFor } from "./function-settings.ts";
import { InboxQueues } from "./step-queues.ts";
import { grantThreadWrites, type ThreadStoreResources } from "./thread-store-access.ts";

export interface TriggerFunctionProps {
  store: ThreadStoreResources;
  /** The agents whose schedules become rules. */
  agents: readonly Agent[];
  eventBusName: string;
  /** The trigger's timeout: the inbox hides a received message for six times as long. */
  timeout: Duration;
  /** Receives of an inbox message before it moves to the inbox's dead-letter queue. */
  maxReceiveCount: number;
  /** At most this many concurrent invocations from the inbox (the trigger's reserve). */
  maxConcurrency?: number;
}

/**
 * The trigger (`Trigger`), which launches agents from the inbox queue (`Inbox`), from EventBridge
 * schedules and from `agent.launch` events on the agents' bus (`Triggers`). What can never be
 * processed goes straight to the inbox's dead letters, with the reason.
 *
 * @example
 * const { trigger, inbox, triggers } = triggerFunction(this, make, { store, agents, eventBusName, timeout, maxReceiveCount: 5 });
 */
export function triggerFunction(
  scope: Construct,
  make: MakeFunction,
  props: TriggerFunctionProps,
): { trigger: NodejsFunction; inbox: InboxQueues; triggers: AgentTriggers } {
  const inbox = new InboxQueues(scope, "Inbox", {
    // Six times the trigger's timeout, as AWS advises for an SQS event source.
    visibilityTimeout: visibilityFor(props.timeout),
    maxReceiveCount: props.maxReceiveCount,
  });
  const trigger = make("Trigger", "trigger", {
    description:
      "Launches agents from EventBridge schedules, agent.launch events and the inbox queue",
    environment: { ...props.store.environment, INBOX_DLQ_URL: inbox.deadLetterQueue.queueUrl },
  });
  grantThreadWrites(props.store, trigger);
  inbox.deadLetterQueue.grantSendMessages(trigger);
  trigger.addEventSource(
    new SqsEventSource(inbox.queue, {
      batchSize: 10,
      reportBatchItemFailures: true,
      ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
    }),
  );
  const triggers = new AgentTriggers(scope, "Triggers", {
    agents: props.agents,
    trigger,
    eventBusName: props.eventBusName,
  });
  return { trigger, inbox, triggers };
}
