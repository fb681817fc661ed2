import { importWithPeers } from "../../shared/config/peers.ts";
import type { Model } from "../../shared/core/ports.ts";
import { lazyModel } from "../../shared/runtime/lazy-model.ts";
import type { ModelSettings } from "./settings/model.ts";

/**
 * The model the settings name, the last choice of the model rule (`pickModel`): Bedrock when
 * `AGENT_MODEL` is `bedrock:<id>`, OpenAI when `OPENAI_API_KEY` or `OPENAI_API_KEY_SECRET_ARN` is
 * set, else none. The adapter (and its SDK) is loaded on the first call, so a worker whose agents
 * bring their own model never loads it, and a host on one provider never loads the other's SDK.
 *
 * @example
 * environmentModel(readSettings().model); // undefined without model settings
 */
export function environmentModel(settings: ModelSettings): Model | undefined {
  const { openai, bedrock } = settings;
  if (bedrock) {
    return lazyModel({ provider: "bedrock", model: bedrock.modelId }, () =>
      importWithPeers("twelve-agents/bedrock", () => import("./bedrock.ts")).then(
        ({ bedrockModel }) => bedrockModel(bedrock),
      ),
    );
  }
  if (openai) {
    return lazyModel({ provider: "openai", model: openai.model }, () =>
      import("./openai.ts").then(({ openAIModel }) => openAIModel(openai)),
    );
  }
  return undefined;
}
