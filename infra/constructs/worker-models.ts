import { readModelSettings } from "../../functions/compose/settings/model.ts";
import type { Agent } from "../../shared/core/agent.ts";
import type { Model } from "../../shared/core/ports.ts";

/**
 * Providers (`Model.identity.provider`) whose calls reach Bedrock Runtime with the function's own
 * role: Twelve's `bedrock()` and the AI SDK's `@ai-sdk/amazon-bedrock` (provider
 * `amazon-bedrock`). Both call with a model id, profile id or ARN.
 */
export const BEDROCK_PROVIDERS: ReadonlySet<string> = new Set(["bedrock", "ai-sdk:amazon-bedrock"]);

/** What drives the agents that name no model: see `TwelveRuntimeProps.model`. */
export type DefaultModel = "openai" | "module" | Model;

/** A Bedrock model the worker calls: its id as the adapter was given it, and its Region if known. */
export interface BedrockModelUse {
  modelId: string;
  region?: string;
}

/** What the worker's models need of the deployment, read from the agents at synth. */
export interface WorkerModels {
  /**
   * Some agent falls back to the environment's model and that is OpenAI (`AGENT_MODEL` not
   * `bedrock:…`): the worker reads the key from the `OpenAiApiKey` secret.
   */
  openAiKey: boolean;
  /**
   * Some model may call OpenAI (the environment's, an OpenAI model, or one without identity
   * unless `model: "module"`): `openai` stays bundled.
   */
  callsOpenAi: boolean;
  /** The Bedrock models the agents call, each once: the worker may invoke these and no other. */
  bedrock: BedrockModelUse[];
  /**
   * Some model calls Bedrock with the Bedrock Runtime client (`bedrock()` or
   * `AGENT_MODEL=bedrock:<id>`): the worker bundle must hold the client, or take the runtime's.
   */
  callsBedrockClient: boolean;
}

/**
 * The models the worker calls, by the model rule (the agent's own, else the module's, else the
 * environment's), as far as synth can know them: a model with an `identity` (the adapters set
 * it), the module's model when `model` is the model itself, and `AGENT_MODEL`. A model without
 * an identity (a hand-written one, the demo model) calls no provider the deployment grants.
 *
 * @example
 * workerModels({ agents, model: "openai", agentModel: "bedrock:eu.amazon.nova-pro-v1:0" });
 * // { openAiKey: false, callsOpenAi: false, bedrock: [{ modelId: "eu.amazon.nova-pro-v1:0" }],
 * //   callsBedrockClient: true }
 */
export function workerModels(input: {
  agents: readonly Pick<Agent, "model">[];
  model: DefaultModel;
  agentModel?: string | undefined;
}): WorkerModels {
  const own = input.agents.flatMap((agent) => (agent.model ? [agent.model] : []));
  const fallsBack = input.agents.some((agent) => !agent.model);
  // Read as the worker reads it (the AGENT_MODEL schema, `parseAgentModel`): a bad value is a
  // ConfigError at synth, and `bedrock: <id>` names the id the worker calls.
  const environmentBedrock = readModelSettings({ AGENT_MODEL: input.agentModel }).bedrock?.modelId;
  const usesEnvironment = fallsBack && input.model === "openai";
  const called = [...own, ...(fallsBack && typeof input.model === "object" ? [input.model] : [])];
  const bedrock = new Map<string, BedrockModelUse>();
  const add = (use: BedrockModelUse) => bedrock.set(`${use.region ?? ""} ${use.modelId}`, use);
  for (const model of called) {
    const identity = model.identity;
    if (!identity || !BEDROCK_PROVIDERS.has(identity.provider)) continue;
    const region = regionOf(model);
    add({ modelId: identity.model, ...(region ? { region } : {}) });
  }
  if (usesEnvironment && environmentBedrock) add({ modelId: environmentBedrock });
  const openAiKey = usesEnvironment && !environmentBedrock;
  // A model without identity may use the `openai` SDK itself: it stays bundled for it, as it
  // always was, unless `model: "module"` says the module's models call no OpenAI.
  const mayCallOpenAi = (model: Model) =>
    model.identity ? model.identity.provider === "openai" : input.model !== "module";
  return {
    openAiKey,
    callsOpenAi: openAiKey || called.some(mayCallOpenAi),
    bedrock: [...bedrock.values()],
    callsBedrockClient:
      (usesEnvironment && environmentBedrock !== undefined) ||
      called.some((model) => model.identity?.provider === "bedrock"),
  };
}

/** The Region a Bedrock model calls, when its adapter keeps it (on its identity or itself). */
function regionOf(model: Model): string | undefined {
  const withRegion = (value: unknown): string | undefined => {
    const region = (value as { region?: unknown } | undefined)?.region;
    return typeof region === "string" && region !== "" ? region : undefined;
  };
  return withRegion(model.identity) ?? withRegion(model);
}
