import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { logger } from "../logger.ts";
import { runtime } from "../runtime.ts";
import { createWorkerHandler } from "./app.ts";

let worker: ReturnType<typeof createWorkerHandler> | undefined;

/** Lambda entry point of the step worker (SQS FIFO event source mapping). */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  worker ??= createWorkerHandler(runtime().deps, logger);
  return worker(event, context);
};
