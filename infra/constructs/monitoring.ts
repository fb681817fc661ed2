import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { RuntimeAlarms } from "./alarms.ts";
import { RuntimeDashboard } from "./dashboard.ts";

export interface MonitoringProps {
  /** The agents' names: the dashboard shows each one's metrics. */
  agents: readonly string[];
  namespace: string;
  worker: IFunction;
  deadLetters: {
    steps: IQueue;
    inbox: IQueue;
    undeliveredNotices: IQueue;
    unreapedThreads: IQueue;
  };
  /** An existing SNS topic the alarms notify (`AlarmTopic`). */
  alarmTopicArn?: string;
}

/**
 * The alarms (`Alarms`: a message in any dead-letter queue, a worker error or throttle) and the
 * dashboard (`Dashboard`) that shows them with each agent's metrics; it makes no alarm of its own
 * on the dead letters.
 *
 * @example
 * monitoring(this, { agents: ["calculator"], namespace: "Twelve", worker, deadLetters });
 */
export function monitoring(scope: Construct, props: MonitoringProps): RuntimeAlarms {
  const action = props.alarmTopicArn
    ? { action: new SnsAction(Topic.fromTopicArn(scope, "AlarmTopic", props.alarmTopicArn)) }
    : {};
  const { deadLetters } = props;
  const alarms = new RuntimeAlarms(scope, "Alarms", {
    undeliveredNotices: deadLetters.undeliveredNotices,
    deadLetterQueue: deadLetters.steps,
    inboxDeadLetterQueue: deadLetters.inbox,
    unreapedThreads: deadLetters.unreapedThreads,
    worker: props.worker,
    ...action,
  });
  new RuntimeDashboard(scope, "Dashboard", {
    agents: props.agents,
    namespace: props.namespace,
    deadLetterQueues: {
      "step messages": deadLetters.steps,
      "inbox messages": deadLetters.inbox,
      "undelivered notices": deadLetters.undeliveredNotices,
      "unreaped threads": deadLetters.unreapedThreads,
    },
    alarms: [
      alarms.deadLetters,
      ...(alarms.inboxDeadLetters ? [alarms.inboxDeadLetters] : []),
      ...(alarms.undeliveredNotices ? [alarms.undeliveredNotices] : []),
      ...(alarms.unreapedThreads ? [alarms.unreapedThreads] : []),
      alarms.workerErrors,
      alarms.workerThrottles,
    ],
    ...action,
  });
  return alarms;
}
