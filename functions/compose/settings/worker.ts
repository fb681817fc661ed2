import * as z from "zod";
import { type RawSettings, readEnv } from "../../../shared/config/read-env.ts";
import { DEFAULT_CACHE_BYTES } from "../../../shared/runtime/thread-cache.ts";

/**
 * `STEP_MAX_RECEIVES`: the step queue's `maxReceiveCount` (the construct sets both). Default 5.
 * `THREAD_CACHE_MB`: how much of the threads it stepped a warm worker keeps (as event JSON; the
 * heap holds about 1.6 times that). Default 64; 0 loads every thread whole.
 */
const schema = z.object({
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

/** The step worker's own settings. */
export interface WorkerSettings {
  /** Deliveries of one step message before it goes to the dead-letter queue. */
  maxReceives: number;
  /** The warm worker's thread cache, or false (every thread loaded whole). */
  threadCache: false | { maxBytes: number };
}

/** `STEP_MAX_RECEIVES`, `THREAD_CACHE_MB`. */
export function readWorkerSettings(env: RawSettings): WorkerSettings {
  const read = readEnv(schema, env);
  return {
    maxReceives: read.STEP_MAX_RECEIVES,
    threadCache: read.THREAD_CACHE_MB === 0 ? false : { maxBytes: read.THREAD_CACHE_MB * 2 ** 20 },
  };
}
