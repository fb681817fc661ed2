import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface RuntimeAlarmsProps {
  deadLetterQueue: IQueue;
  /** The inbox's dead letters: a message another system sent that could not be processed. */
  inboxDeadLetterQueue?: IQueue;
  /** Notices the channels never took, after EventBridge's retries. */
  undeliveredNotices?: IQueue;
  /** Expired threads the reaper could not delete after its retries (their stream records). */
  unreapedThreads?: IQueue;
  worker: IFunction;
  /** Where the alarms go (an SNS topic); none: they show in the CloudWatch console only. */
  action?: IAlarmAction;
}

/**
 * What a person must look at: a step message in the dead-letter queue (a thread stopped
 * advancing), and the worker failing or being throttled. Each alarms on the first occurrence.
 *
 * @example
 * new RuntimeAlarms(this, "Alarms", { deadLetterQueue, worker, action: new SnsAction(topic) });
 */
export class RuntimeAlarms extends Construct {
  readonly deadLetters: Alarm;
  readonly inboxDeadLetters?: Alarm;
  readonly undeliveredNotices?: Alarm;
  readonly unreapedThreads?: Alarm;
  readonly workerErrors: Alarm;
  readonly workerThrottles: Alarm;

  constructor(scope: Construct, id: string, props: RuntimeAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const anyOf = (alarmId: string, metric: Metric, description: string) => {
      const alarm = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.action) alarm.addAlarmAction(props.action);
      return alarm;
    };
    this.deadLetters = anyOf(
      "DeadLetters",
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: "Maximum",
      }),
      "A step message reached the dead-letter queue: its thread no longer advances.",
    );
    this.workerErrors = anyOf(
      "WorkerErrors",
      props.worker.metricErrors({ period, statistic: "Sum" }),
      "The step worker failed an invocation.",
    );
    this.workerThrottles = anyOf(
      "WorkerThrottles",
      props.worker.metricThrottles({ period, statistic: "Sum" }),
      "The step worker was throttled: steps wait.",
    );
    if (props.undeliveredNotices) {
      this.undeliveredNotices = anyOf(
        "UndeliveredNotices",
        props.undeliveredNotices.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: "Maximum",
        }),
        "A thread notice did not reach its channels (a webhook receiver down): see the notify logs.",
      );
    }
    if (props.inboxDeadLetterQueue) {
      this.inboxDeadLetters = anyOf(
        "InboxDeadLetters",
        props.inboxDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: "Maximum",
        }),
        "An inbox message could not be processed: its twelve-reason attribute says why.",
      );
    }
    if (props.unreapedThreads) {
      this.unreapedThreads = anyOf(
        "UnreapedThreads",
        props.unreapedThreads.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: "Maximum",
        }),
        "The reaper could not delete the rest of an expired thread: see the reaper logs.",
      );
    }
  }
}
