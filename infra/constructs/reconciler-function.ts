import type { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import type { Construct } from "constructs";
import { acknowledgeIndexAccess } from "../nag.ts";
import type { MakeFunction } from "./function-factory.ts";
import type { ThreadStoreResources } from "./thread-store-access.ts";

export interface ReconcilerFunctionProps {
  store: ThreadStoreResources;
  metricsNamespace: string;
  /** How often it runs (the `Reconcile` rule). */
  every: Duration;
}

/**
 * The reconciler (`Reconciler`), run by the `Reconcile` rule: it re-enqueues running threads
 * whose step message was lost, and publishes the approvals waiting per agent. It reads threads
 * and enqueues steps, nothing else.
 *
 * @example
 * const reconciler = reconcilerFunction(this, make, { store, metricsNamespace: "Twelve", every: Duration.minutes(5) });
 */
export function reconcilerFunction(
  scope: Construct,
  make: MakeFunction,
  props: ReconcilerFunctionProps,
): NodejsFunction {
  const { store } = props;
  const reconciler = make("Reconciler", "reconciler", {
    description: "Re-enqueues running threads whose step message was lost",
    // It also publishes the approvals waiting per agent.
    environment: { ...store.environment, POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace },
  });
  store.table.grantReadData(reconciler);
  acknowledgeIndexAccess(reconciler, store.table);
  store.payloads.grantRead(reconciler);
  store.steps.queue.grantSendMessages(reconciler);
  new Rule(scope, "Reconcile", {
    description: "Runs the reconciler",
    schedule: Schedule.rate(props.every),
    targets: [new LambdaFunction(reconciler, { retryAttempts: 0 })],
  });
  return reconciler;
}
