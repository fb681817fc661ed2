import type { AgentsModule } from "../../shared/runtime/agents.ts";

/**
 * What the handler factories take: an agents module's exports, its `agents` and optionally its
 * `model` (the model rule's second choice, after an agent's own).
 */
export type HandlersOptions = AgentsModule;

/**
 * A handler built on its first invocation and kept for the container's life, so a bad setting
 * fails that invocation loudly by name (not the module's import, which Lambda retries opaquely).
 */
export function lazyHandler<A extends unknown[], R>(
  build: () => (...args: A) => R,
): (...args: A) => R {
  let handler: ((...args: A) => R) | undefined;
  return (...args) => {
    handler ??= build();
    return handler(...args);
  };
}
