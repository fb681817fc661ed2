import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import * as z from "zod";
import { readEnv } from "../../shared/config/read-env.ts";
import { DEFAULT_CACHE_BYTES } from "../../shared/runtime/thread-cache.ts";
import { logger } from "../logger.ts";
import { createMetrics } from "../observability/metrics.ts";
import { createStepObserver } from "../observability/step-observer.ts";
import { loadTracer } from "../observability/tracing.ts";
import { createWorkerHandler } from "../worker/app.ts";
import { type HandlersOptions, type LazyRuntime, lazyRuntime } from "./lazy-runtime.ts";

/**
 * The step worker's Lambda handler (SQS FIFO event source mapping). Each step is an X-Ray
 * subsegment (Powertools Tracer; the function's tracing must be active), and each invocation's
 * steps are published as EMF metrics (Powertools Metrics) before it returns.
 */
export function workerHandler(options: HandlersOptions | LazyRuntime) {
  const runtime = typeof options === "function" ? options : lazyRuntime(options);
  // Loaded now (the init phase) where tracing may be on; never where it is off.
  const tracer = loadTracer();
  let worker: ReturnType<typeof createWorkerHandler> | undefined;
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    worker ??= createWorkerHandler(runtime().deps, logger, {
      ...readWorkerOptions(),
      observer: createStepObserver({ tracer: await tracer, metrics: createMetrics() }),
    });
    return worker(event, context);
  };
}

/**
 * `STEP_MAX_RECEIVES`: the step queue's `maxReceiveCount` (the construct sets both). Default 5.
 * `THREAD_CACHE_MB`: how much of the threads it stepped a warm worker keeps (as event JSON; the
 * heap holds about 1.6 times that). Default 64; 0 loads every thread whole.
 */
const workerSettings = z.object({
  STEP_MAX_RECEIVES: z.coerce
    .number({ error: "must be a positive integer" })
    .int()
    .min(1)
    .default(5),
  THREAD_CACHE_MB: z.coerce
    .number({ error: "must be a number of MiB, 0 or more" })
    .min(0)
    .default(DEFAULT_CACHE_BYTES / 2 ** 20),
});

/**
 * The worker's own settings (`STEP_MAX_RECEIVES`, `THREAD_CACHE_MB`) as `createWorkerHandler`
 * takes them; a bad one is a `ConfigError` naming it. `twelve dev` reads them before it starts.
 *
 * @example
 * readWorkerOptions({ STEP_MAX_RECEIVES: "0" }); // ConfigError "STEP_MAX_RECEIVES: ..."
 */
export function readWorkerOptions(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Parameters<typeof createWorkerHandler>[2] {
  const settings = readEnv(workerSettings, env);
  return {
    maxReceives: settings.STEP_MAX_RECEIVES,
    threadCache:
      settings.THREAD_CACHE_MB === 0 ? false : { maxBytes: settings.THREAD_CACHE_MB * 2 ** 20 },
  };
}
