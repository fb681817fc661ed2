import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IAlarmAction,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { approvalMetrics, stepMetrics } from "../../functions/observability/metric-names.ts";
import { serviceName } from "./handler-function.ts";

/** An agent's share of steps that went wrong, over `ERROR_RATE_PERIOD`, that alarms. */
export const ERROR_RATE_THRESHOLD = 0.2;
/** The error rate's period; it alarms after two in a row above the threshold. */
export const ERROR_RATE_PERIOD = Duration.minutes(5);

export interface RuntimeDashboardProps {
  /** The agents served: a row of graphs and an error-rate alarm each. */
  agents: readonly string[];
  /** The metrics' namespace (the functions' `POWERTOOLS_METRICS_NAMESPACE`). */
  namespace: string;
  /** Queues whose depth is a person's work (dead letters), graphed by title. */
  deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** The alarms made elsewhere (dead letters, worker errors), shown beside the error rates. */
  alarms: readonly IAlarm[];
  /** Where the error-rate alarms go (an SNS topic); none: the CloudWatch console only. */
  action?: IAlarmAction;
}

/**
 * A CloudWatch dashboard of the agents (per agent: steps, errors and escalations, model
 * latency p50/p99, tokens, approvals waiting and the oldest one's age), the dead-letter depths
 * and every alarm's state; and an alarm per agent on its error rate (`Errors / Steps`).
 *
 * @example
 * new RuntimeDashboard(this, "Dashboard", {
 *   agents: ["calculator"], namespace: "Twelve", deadLetterQueues: { Steps: dlq }, alarms: [],
 * });
 */
export class RuntimeDashboard extends Construct {
  readonly dashboard: Dashboard;
  /** The error-rate alarm of each agent, by name. */
  readonly errorRates: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: RuntimeDashboardProps) {
    super(scope, id);
    const metric = (
      handler: "worker" | "reconciler",
      agent: string,
      metricName: string,
      statistic: string,
      label: string,
    ) =>
      new Metric({
        namespace: props.namespace,
        metricName,
        dimensionsMap: { service: serviceName(handler), agent },
        statistic,
        period: ERROR_RATE_PERIOD,
        label,
      });
    const errorRates = new Map<string, Alarm>();
    const rows = props.agents.map((agent) => {
      const step = (name: string, statistic: string, label: string) =>
        metric("worker", agent, name, statistic, label);
      const steps = step(stepMetrics.steps, "Sum", "steps");
      const errors = step(stepMetrics.errors, "Sum", "errors");
      const errorRate = new MathExpression({
        expression: "IF(steps > 0, errors / steps, 0)",
        usingMetrics: { steps, errors },
        period: ERROR_RATE_PERIOD,
        label: "error rate",
      });
      const alarm = new Alarm(this, `ErrorRate-${agent}`, {
        alarmDescription: `Agent ${agent}: more than ${ERROR_RATE_THRESHOLD * 100}% of its steps went wrong (threw, wrote an error event or failed the thread) for 10 minutes.`,
        metric: errorRate,
        threshold: ERROR_RATE_THRESHOLD,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.action) alarm.addAlarmAction(props.action);
      errorRates.set(agent, alarm);
      const waiting = (name: string, label: string) =>
        metric("reconciler", agent, name, "Maximum", label);
      const graph = (title: string, left: Metric[], right: (Metric | MathExpression)[] = []) =>
        new GraphWidget({ title: `${agent}: ${title}`, left, right, width: 6, height: 6 });
      return [
        graph(
          "steps, errors, escalations",
          [steps, errors, step(stepMetrics.escalations, "Sum", "escalations")],
          [errorRate],
        ),
        graph("model latency (ms)", [
          step(stepMetrics.modelLatency, "p50", "p50"),
          step(stepMetrics.modelLatency, "p99", "p99"),
        ]),
        graph("tokens", [
          step(stepMetrics.inputTokens, "Sum", "input"),
          step(stepMetrics.outputTokens, "Sum", "output"),
        ]),
        graph(
          "approvals waiting",
          [waiting(approvalMetrics.approvalsWaiting, "waiting")],
          [waiting(approvalMetrics.oldestApprovalAge, "oldest (s)")],
        ),
      ];
    });
    const deadLetters = new GraphWidget({
      title: "Dead letters (messages waiting for a person)",
      left: Object.entries(props.deadLetterQueues).map(([title, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({
          period: ERROR_RATE_PERIOD,
          statistic: "Maximum",
          label: title,
        }),
      ),
      width: 12,
      height: 6,
    });
    const alarms = new AlarmStatusWidget({
      title: "Alarms",
      alarms: [...props.alarms, ...errorRates.values()],
      width: 12,
      height: 6,
    });
    this.dashboard = new Dashboard(this, "Dashboard", {
      widgets: [
        [
          new TextWidget({
            markdown: `# Twelve\nPer agent, namespace \`${props.namespace}\`: steps, errors, escalations, model latency and tokens from the worker (each invocation); approvals waiting and the oldest one's age from the reconciler (each run).`,
            width: 24,
            height: 2,
          }),
        ],
        [deadLetters, alarms],
        ...rows,
      ],
    });
    this.errorRates = errorRates;
  }
}
