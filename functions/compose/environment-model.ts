import type { Model } from "../../shared/core/ports.ts";
import type { ModelSettings } from "./settings/model.ts";

/**
 * The model the settings name, the last choice of the model rule (`pickModel`): OpenAI when
 * `OPENAI_API_KEY` or `OPENAI_API_KEY_SECRET_ARN` is set, else none. The adapter (and the OpenAI
 * SDK) is loaded on the first call, so a worker whose agents bring their own model never loads it.
 *
 * @example
 * environmentModel(readSettings().model); // undefined without OpenAI settings
 */
export function environmentModel(settings: ModelSettings): Model | undefined {
  const openai = settings.openai;
  if (!openai) return undefined;
  let loaded: Promise<Model> | undefined;
  return {
    // Read by the step observer to name its spans (`chat gpt-4o-mini`), as `OpenAIModel.model` is.
    model: openai.model,
    // Named before it loads: the start-up line, the console and the deploy read it.
    identity: { provider: "openai", model: openai.model },
    next: async (request) => {
      loaded ??= import("./openai.ts").then(({ openAIModel }) => openAIModel(openai));
      return (await loaded).next(request);
    },
  } as Model;
}
