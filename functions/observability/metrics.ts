import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { WaitingApprovals } from "../../shared/runtime/waiting-approvals.ts";
import { isErrorStep, type StepFacts, stepTokens } from "./instrument.ts";
import {
  approvalMetrics,
  DEFAULT_METRICS_NAMESPACE,
  NO_AGENT,
  stepMetrics,
} from "./metric-names.ts";

/**
 * Powertools Metrics in the namespace `POWERTOOLS_METRICS_NAMESPACE` (default `Twelve`), with
 * the `service` dimension from `POWERTOOLS_SERVICE_NAME`. Each publish writes one EMF line to
 * stdout, which CloudWatch Logs turns into metrics.
 */
export const createMetrics = (env: NodeJS.ProcessEnv = process.env): Metrics =>
  new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE });

const groupBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    groups.set(name, [...(groups.get(name) ?? []), item]);
  }
  return groups;
};

/**
 * One invocation's steps as metrics, one EMF line per agent (`Steps`, `ModelLatency` per model
 * call, `InputTokens`, `OutputTokens`, `Errors`, `Escalations`) and one per agent and outcome
 * (`Steps`). An EMF line carries one value per dimension, hence a line per group.
 */
export function publishStepMetrics(metrics: Metrics, steps: readonly StepFacts[]): void {
  for (const [agent, ofAgent] of groupBy(steps, (facts) => facts.agent ?? NO_AGENT)) {
    metrics.addDimension("agent", agent);
    metrics.addMetric(stepMetrics.steps, MetricUnit.Count, ofAgent.length);
    for (const facts of ofAgent) {
      for (const call of facts.modelCalls) {
        metrics.addMetric(stepMetrics.modelLatency, MetricUnit.Milliseconds, Math.round(call.ms));
      }
    }
    const tokens = ofAgent.map(stepTokens);
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    metrics.addMetric(stepMetrics.inputTokens, MetricUnit.Count, sum(tokens.map((t) => t.input)));
    metrics.addMetric(stepMetrics.outputTokens, MetricUnit.Count, sum(tokens.map((t) => t.output)));
    metrics.addMetric(stepMetrics.errors, MetricUnit.Count, ofAgent.filter(isErrorStep).length);
    metrics.addMetric(
      stepMetrics.escalations,
      MetricUnit.Count,
      sum(ofAgent.map((facts) => facts.escalations.length)),
    );
    metrics.publishStoredMetrics();
    for (const [outcome, ofOutcome] of groupBy(ofAgent, (facts) => facts.outcome ?? "error")) {
      metrics.addDimension("agent", agent);
      metrics.addDimension("outcome", outcome);
      metrics.addMetric(stepMetrics.steps, MetricUnit.Count, ofOutcome.length);
      metrics.publishStoredMetrics();
    }
  }
}

/**
 * The approvals waiting, per agent served: `ApprovalsWaiting` and `OldestApprovalAge` (seconds),
 * both 0 for an agent with none, as SQS reports an empty queue's oldest message.
 */
export function publishApprovalMetrics(
  metrics: Metrics,
  waiting: ReadonlyMap<string, WaitingApprovals>,
  agents: Iterable<string>,
  now: Date,
): void {
  const names = new Set([...agents, ...waiting.keys()]);
  for (const agent of names) {
    const approvals = waiting.get(agent);
    const age = approvals ? (now.getTime() - Date.parse(approvals.oldestSince)) / 1000 : 0;
    metrics.addDimension("agent", agent);
    metrics.addMetric(approvalMetrics.approvalsWaiting, MetricUnit.Count, approvals?.count ?? 0);
    metrics.addMetric(approvalMetrics.oldestApprovalAge, MetricUnit.Seconds, Math.max(0, age));
    metrics.publishStoredMetrics();
  }
}
