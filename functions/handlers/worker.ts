import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Root } from "../compose/root.ts";
import { buildWorker, workerSections } from "../compose/worker.ts";
import { createMetrics } from "../observability/metrics.ts";
import { createStepObserver } from "../observability/step-observer.ts";
import { loadTracer } from "../observability/tracing.ts";
import { type HandlersOptions, rootFor } from "./lazy.ts";

/**
 * The step worker's Lambda handler (SQS FIFO event source mapping). Each step is an X-Ray
 * subsegment (Powertools Tracer; the function's tracing must be active), and each invocation's
 * steps are published as EMF metrics (Powertools Metrics) before it returns.
 */
export function workerHandler(
  options: HandlersOptions | Root,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  // Loaded now (the init phase) where tracing may be on; never where it is off.
  const tracer = loadTracer();
  let worker: ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) | undefined;
  return async (event, context) => {
    const loaded = await tracer;
    worker ??= buildWorker(rootFor(options, workerSections), {
      observer: createStepObserver({ tracer: loaded, metrics: createMetrics() }),
    });
    return worker(event, context);
  };
}
