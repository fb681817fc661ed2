import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import * as z from "zod";
import { readEnv } from "../../shared/config/read-env.ts";
import { logger } from "../logger.ts";
import { createWorkerHandler } from "../worker/app.ts";
import { type HandlersOptions, type LazyRuntime, lazyRuntime } from "./lazy-runtime.ts";

/** The step worker's Lambda handler (SQS FIFO event source mapping). */
export function workerHandler(options: HandlersOptions | LazyRuntime) {
  const runtime = typeof options === "function" ? options : lazyRuntime(options);
  let worker: ReturnType<typeof createWorkerHandler> | undefined;
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    worker ??= createWorkerHandler(runtime().deps, logger, { maxReceives: maxReceives() });
    return worker(event, context);
  };
}

/** `STEP_MAX_RECEIVES`: the step queue's `maxReceiveCount` (the construct sets both). Default 5. */
const workerSettings = z.object({
  STEP_MAX_RECEIVES: z.coerce
    .number({ error: "must be a positive integer" })
    .int()
    .min(1)
    .default(5),
});

const maxReceives = (): number => readEnv(workerSettings, process.env).STEP_MAX_RECEIVES;
