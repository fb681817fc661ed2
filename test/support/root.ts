import type { Root } from "../../functions/compose/root.ts";
import type { Settings } from "../../functions/compose/settings.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { assertModels } from "../../shared/runtime/model-rule.ts";

/**
 * A composition root over ports a test built (in memory, a fixed clock), for the handler
 * factories that take a `Root`: the settings are the sections the test names.
 */
export function rootOf(deps: RuntimeDeps, settings: Partial<Settings> = {}): Root {
  const models = () => ({ module: deps.model, environment: deps.environmentModel });
  return {
    settings: settings as Settings,
    agents: deps.agents,
    models,
    deps: () => deps,
    assertModels: () => assertModels(deps.agents.values(), models()),
  };
}
