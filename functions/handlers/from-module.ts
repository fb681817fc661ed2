import * as z from "zod";
import { readEnv } from "../../shared/config/read-env.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import type { AgentsModule } from "../../shared/runtime/agents.ts";
import type { HandlersOptions } from "./lazy-runtime.ts";

/** `TWELVE_MODEL=module`: the worker runs the agents module's `model`; anything else: OpenAI. */
const moduleSettings = z.object({ TWELVE_MODEL: z.string().optional() });

/**
 * The handler options of an agents module, as the functions `TwelveRuntime` bundles build them:
 * with `TWELVE_MODEL=module` the worker runs the module's own `model` export, otherwise OpenAI.
 */
export function optionsFromModule(
  mod: AgentsModule,
  env: NodeJS.ProcessEnv = process.env,
): HandlersOptions {
  if (readEnv(moduleSettings, env).TWELVE_MODEL !== "module") return { agents: mod.agents };
  if (!mod.model) {
    throw new ConfigError("TWELVE_MODEL=module, but the agents module exports no `model`");
  }
  return { agents: mod.agents, model: mod.model };
}
