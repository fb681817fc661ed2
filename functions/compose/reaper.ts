import { logger } from "../logger.ts";
import { createReaperHandler } from "../reaper/app.ts";
import { createThreadStore } from "../thread-store.ts";
import { clientConfig } from "./settings/aws.ts";
import { readStoreSettings } from "./settings/store.ts";
import type { Settings } from "./settings.ts";

/** What the reaper reads: the store only (it deletes a thread's items and its objects). */
export const reaperSections = { store: readStoreSettings, aws: () => ({}) };

/** The reaper: deletes the rest of a thread whose meta item TTL removed. */
export function buildReaper(
  settings: Pick<Settings, "store" | "aws">,
): ReturnType<typeof createReaperHandler> {
  return createReaperHandler({
    store: createThreadStore(settings.store, {
      clientConfig: clientConfig(settings.aws, "dynamodb"),
      s3ClientConfig: clientConfig(settings.aws, "s3"),
    }),
    logger,
  });
}
