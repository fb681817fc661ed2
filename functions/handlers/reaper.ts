import * as z from "zod";
import { readEnv } from "../../shared/config/read-env.ts";
import { payloadFields } from "../config.ts";
import { logger } from "../logger.ts";
import { createReaperHandler } from "../reaper/app.ts";
import { createThreadStore } from "../thread-store.ts";

/**
 * What the reaper reads: the table and the payload bucket (it deletes a thread's items and its
 * objects; retention is the writers' concern).
 */
const reaperConfig = z.object({ TABLE_NAME: z.string().min(1), ...payloadFields.shape });

/**
 * The reaper function's Lambda handler: the target of the thread table's stream, filtered to
 * TTL's removals of meta items; it needs no agents, only the store (`TABLE_NAME`, and
 * `PAYLOAD_BUCKET` for the thread's objects).
 */
export function reaperHandler() {
  let reap: ReturnType<typeof createReaperHandler> | undefined;
  return async (...args: Parameters<ReturnType<typeof createReaperHandler>>) => {
    if (!reap) {
      reap = createReaperHandler({
        store: createThreadStore(readEnv(reaperConfig, process.env)),
        logger,
      });
    }
    return reap(...args);
  };
}
