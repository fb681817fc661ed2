import type * as BedrockEntry from "twelve-agents/bedrock";
import type * as OpenAIEntry from "twelve-agents/openai";
import { readModelSettings } from "../../functions/compose/settings/model.ts";
import { ConfigError } from "../core/errors.ts";
import type { Model } from "../core/ports.ts";
import { lazyModel } from "./lazy-model.ts";

/**
 * The entry points the adapters load from, named by variables: a bundler (esbuild, webpack) then
 * leaves the `import()` to run time instead of following it into a peer the project may not have
 * installed, so an app that bundles `createRunner` builds without the Bedrock or OpenAI SDK.
 */
const BEDROCK_ENTRY: string = "twelve-agents/bedrock";
const OPENAI_ENTRY: string = "twelve-agents/openai";

/**
 * The environment's model for `createRunner`, the model rule's third choice read as `twelve dev`
 * and the worker read it (`readModelSettings`): Bedrock with `AGENT_MODEL=bedrock:<id>`, OpenAI
 * (or a compatible server at `OPENAI_BASE_URL`) with `OPENAI_API_KEY`, else none. A bad value is a
 * `ConfigError` naming the variable. The adapter is loaded from the package's own entry point
 * (`twelve-agents/bedrock`, `twelve-agents/openai`) on the first call, so a missing SDK is the
 * entry's one-line install error then, and a runner whose agents bring their own model loads none.
 *
 * @example
 * processEnvironmentModel(process.env); // undefined when neither AGENT_MODEL=bedrock:<id> nor OPENAI_API_KEY is set
 */
export function processEnvironmentModel(
  env: Record<string, string | undefined>,
): Model | undefined {
  const { bedrock, openai } = readModelSettings(env);
  if (bedrock) {
    const { modelId, maxRetries, timeoutMs } = bedrock;
    return lazyModel({ provider: "bedrock", model: modelId }, async () => {
      const adapter: typeof BedrockEntry = await importEntry(
        BEDROCK_ENTRY,
        "AGENT_MODEL=bedrock:<id>",
      );
      return adapter.bedrock(modelId, {
        clientConfig: {
          maxAttempts: maxRetries + 1,
          requestHandler: { requestTimeout: timeoutMs },
        },
      });
    });
  }
  if (!openai) return undefined;
  if (!("value" in openai.key)) {
    throw new ConfigError(
      "OPENAI_API_KEY_SECRET_ARN is read by deployed functions only: set OPENAI_API_KEY for createRunner, or pass its model",
    );
  }
  const { model, baseUrl, timeoutMs, maxRetries } = openai;
  const apiKey = openai.key.value;
  return lazyModel({ provider: "openai", model }, async () => {
    const adapter: typeof OpenAIEntry = await importEntry(OPENAI_ENTRY, "OPENAI_API_KEY");
    return new adapter.OpenAIModel({
      model,
      clientOptions: {
        apiKey,
        timeout: timeoutMs,
        maxRetries,
        ...(baseUrl ? { baseURL: baseUrl } : {}),
      },
    });
  });
}

/**
 * An adapter's entry point, loaded at run time. Its own gate names a missing SDK in one line; an
 * entry that cannot be found at all (an app bundled without `node_modules/twelve-agents`) is
 * one line too, never a module error thrown out of a step.
 */
export async function importEntry<T>(entry: string, setting: string): Promise<T> {
  try {
    return (await import(entry)) as T;
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    if ((cause as { code?: unknown } | null)?.code !== "ERR_MODULE_NOT_FOUND") throw cause;
    throw new ConfigError(
      `${setting} loads ${entry} when the first step runs, and it cannot be found (an app bundled without node_modules?): pass the model to defineAgent({ model }) or createRunner({ model }) instead`,
      { cause },
    );
  }
}
