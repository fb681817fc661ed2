import { logger } from "../logger.ts";
import type { StepObserver } from "../observability/step-observer.ts";
import { createWorkerHandler } from "../worker/app.ts";
import type { Root } from "./root.ts";
import { runtimeSections } from "./sections.ts";
import { readWorkerSettings } from "./settings/worker.ts";

/** What the worker reads: the runtime's sections and its own. */
export const workerSections = { ...runtimeSections, worker: readWorkerSettings };

/**
 * The step worker (an SQS batch handler) of a root. It checks the model rule first: an agent
 * without a model fails here, at start, by name.
 *
 * @example
 * const worker = buildWorker(root, { observer });
 */
export function buildWorker(
  root: Root,
  options: { observer?: StepObserver; maxReceives?: number } = {},
): ReturnType<typeof createWorkerHandler> {
  root.assertModels();
  const { worker } = root.settings;
  return createWorkerHandler(root.deps(), logger, {
    maxReceives: options.maxReceives ?? worker.maxReceives,
    threadCache: worker.threadCache,
    ...(options.observer ? { observer: options.observer } : {}),
  });
}
