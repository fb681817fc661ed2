import { Tracer } from "@aws-lambda-powertools/tracer";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Root } from "../compose/root.ts";
import { buildWorker, workerSections } from "../compose/worker.ts";
import { createMetrics } from "../observability/metrics.ts";
import { createStepObserver } from "../observability/step-observer.ts";
import { type HandlersOptions, lazyHandler, rootFor } from "./lazy.ts";

/**
 * The step worker's Lambda handler (SQS FIFO event source mapping). Each step is an X-Ray
 * subsegment (Powertools Tracer; the function's tracing must be active), and each invocation's
 * steps are published as EMF metrics (Powertools Metrics) before it returns.
 */
export function workerHandler(
  options: HandlersOptions | Root,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return lazyHandler(() =>
    buildWorker(rootFor(options, workerSections), {
      observer: createStepObserver({ tracer: new Tracer(), metrics: createMetrics() }),
    }),
  );
}
