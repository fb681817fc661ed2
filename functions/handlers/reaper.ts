import * as z from "zod";
import { readEnv } from "../../shared/config/read-env.ts";
import { logger } from "../logger.ts";
import { createReaperHandler } from "../reaper/app.ts";
import { createThreadStore } from "../thread-store.ts";

/** What the reaper reads: the table (it deletes; retention is the writers' concern). */
const reaperConfig = z.object({ TABLE_NAME: z.string().min(1) });

/**
 * The reaper function's Lambda handler: the target of the thread table's stream, filtered to
 * TTL's removals of meta items; it needs no agents, only the store (`TABLE_NAME`).
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
