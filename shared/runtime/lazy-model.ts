import type { Model, ModelIdentity } from "../core/ports.ts";

/**
 * A model that names itself now and loads its adapter on its first call, so a host whose agents
 * bring their own model never loads the environment's SDK.
 *
 * @example
 * lazyModel({ provider: "bedrock", model: id }, () => import("twelve-agents/bedrock").then(({ bedrock }) => bedrock(id)));
 */
export function lazyModel(identity: ModelIdentity, load: () => Promise<Model>): Model {
  let loaded: Promise<Model> | undefined;
  return {
    identity,
    // Read by the step observer to name its spans (`chat gpt-4o-mini`), as the adapters' `model` is.
    model: identity.model,
    next: async (request) => {
      loaded ??= load();
      return (await loaded).next(request);
    },
  } as Model;
}
