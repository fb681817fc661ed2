import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import * as z from "zod";
import { ConfigError } from "../../shared/core/errors.ts";
import { logger } from "../logger.ts";
import { runtime } from "../runtime.ts";
import { createWorkerHandler } from "./app.ts";

/** `STEP_MAX_RECEIVES`: the step queue's `maxReceiveCount` (the CDK app sets both). Default 5. */
function maxReceives(): number {
  const value = z.coerce
    .number()
    .int()
    .min(1)
    .default(5)
    .safeParse(process.env.STEP_MAX_RECEIVES || undefined);
  if (!value.success) throw new ConfigError(`STEP_MAX_RECEIVES must be a positive integer`);
  return value.data;
}

let worker: ReturnType<typeof createWorkerHandler> | undefined;

/** Lambda entry point of the step worker (SQS FIFO event source mapping). */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  worker ??= createWorkerHandler(runtime().deps, logger, { maxReceives: maxReceives() });
  return worker(event, context);
};
