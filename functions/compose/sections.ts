import { readBusSettings } from "./settings/bus.ts";
import { readModelSettings } from "./settings/model.ts";
import { readQueueSettings } from "./settings/queue.ts";
import { readStoreSettings } from "./settings/store.ts";
import type { SectionReaders } from "./settings.ts";

/**
 * The sections every handler that runs the use cases reads (the root's `deps()`): the store, the
 * step queue, the bus, and the model (its prices, and the environment's model).
 */
export const runtimeSections = {
  store: readStoreSettings,
  queue: readQueueSettings,
  bus: readBusSettings,
  model: readModelSettings,
  // Deployed, the SDK reads the region, endpoints and credentials from the environment itself.
  aws: () => ({}),
} as const satisfies SectionReaders<"store" | "queue" | "bus" | "model" | "aws">;
