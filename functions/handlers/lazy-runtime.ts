import type { Agent } from "../../shared/core/agent.ts";
import type { Model } from "../../shared/core/ports.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { type RuntimeConfig, readConfig } from "../config.ts";
import { createRuntime } from "../runtime.ts";

export interface HandlersOptions {
  /** The agents these functions serve. */
  agents: readonly Agent[];
  /** The worker's model. Default: OpenAI, keyed by `OPENAI_API_KEY_SECRET_ARN` or `OPENAI_API_KEY`. */
  model?: Model;
}

export type LazyRuntime = () => { config: RuntimeConfig; deps: RuntimeDeps };

/**
 * The runtime's configuration and adapters, built on first use and kept for the container's
 * life, so a bad setting fails the first invocation loudly (not the module's import).
 */
export function lazyRuntime(options: HandlersOptions): LazyRuntime {
  let built: ReturnType<LazyRuntime> | undefined;
  return () => {
    if (!built) {
      const config = readConfig();
      built = { config, deps: createRuntime(config, options) };
    }
    return built;
  };
}
