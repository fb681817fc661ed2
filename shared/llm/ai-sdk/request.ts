import type {
  JSONObject,
  LanguageModelV4CallOptions,
  LanguageModelV4FunctionTool,
  LanguageModelV4Prompt,
  SharedV4ProviderOptions,
} from "@ai-sdk/provider";
import type { ContextMessage, ModelRequest } from "../../core/ports.ts";
import type { ToolSpec } from "../../core/tool.ts";
import { ONE_CALL_INSTRUCTION } from "../one-call.ts";

/** How one request is asked: with a forced choice or not, and what the caller added. */
export interface CallSettings {
  /** `toolChoice: "required"` when true; `auto` plus `ONE_CALL_INSTRUCTION` when false. */
  forced: boolean;
  /** A Claude model: `disableParallelToolUse` goes to the Anthropic provider options. */
  claude: boolean;
  /**
   * A Claude model's prompt cache: a cache point on the system message, so the tools and the
   * system prompt (the prefix that stays the same from step to step) are read from the cache.
   */
  cache?: boolean | undefined;
  providerOptions?: SharedV4ProviderOptions | undefined;
  maxOutputTokens?: number | undefined;
  abortSignal?: AbortSignal | undefined;
}

/**
 * The `doGenerate` options for a Twelve request: the rendered messages as the prompt, every tool
 * as a function tool with its JSON Schema, and the tool choice. Where the choice is not forced,
 * the system prompt ends with the one-call instruction; the tools and the rest of the prompt are
 * the same either way, so a provider's prompt cache holds.
 *
 * @example
 * const options = callOptions(request, { forced: true, claude: false });
 * const result = await languageModel.doGenerate(options);
 */
export function callOptions(
  request: ModelRequest,
  settings: CallSettings,
): LanguageModelV4CallOptions {
  const messages = settings.forced ? request.messages : withInstruction(request.messages);
  const prompt = messages.map(toPromptMessage);
  return {
    prompt: settings.cache && settings.claude ? withCachePoint(prompt) : prompt,
    tools: request.tools.map(toFunctionTool),
    toolChoice: settings.forced ? { type: "required" } : { type: "auto" },
    ...(settings.maxOutputTokens !== undefined
      ? { maxOutputTokens: settings.maxOutputTokens }
      : {}),
    ...(settings.abortSignal ? { abortSignal: settings.abortSignal } : {}),
    providerOptions: providerOptions(settings),
  };
}

/**
 * A core tool spec as an AI SDK function tool. A schema strict function calling cannot take (an
 * MCP tool's optional properties) is marked `strict: false`, so a provider whose default is
 * strict (OpenAI's Responses API) does not refuse it; a strict one is left to the provider.
 */
export const toFunctionTool = (spec: ToolSpec): LanguageModelV4FunctionTool => ({
  type: "function",
  name: spec.name,
  description: spec.description,
  inputSchema: spec.parameters,
  ...(spec.strict === false ? { strict: false } : {}),
});

/** The messages with the one-call instruction at the end of the first system message. */
function withInstruction(messages: readonly ContextMessage[]): ContextMessage[] {
  const first = messages.findIndex((message) => message.role === "system");
  if (first === -1) return [{ role: "system", content: ONE_CALL_INSTRUCTION }, ...messages];
  return messages.map((message, i) =>
    i === first
      ? { role: "system", content: `${message.content}\n\n${ONE_CALL_INSTRUCTION}` }
      : message,
  );
}

function toPromptMessage({ role, content }: ContextMessage): LanguageModelV4Prompt[number] {
  const byRole = {
    system: { role: "system", content },
    user: { role: "user", content: [{ type: "text", text: content }] },
  } satisfies Record<ContextMessage["role"], LanguageModelV4Prompt[number]>;
  return byRole[role];
}

/** The prompt with Anthropic's cache point on its first system message. */
function withCachePoint(prompt: LanguageModelV4Prompt): LanguageModelV4Prompt {
  const first = prompt.findIndex((message) => message.role === "system");
  return prompt.map((message, i) =>
    i === first
      ? { ...message, providerOptions: { anthropic: { cacheControl: { type: "ephemeral" } } } }
      : message,
  );
}

/** The caller's provider options, with one tool use per reply asked of Claude models. */
function providerOptions(settings: CallSettings): SharedV4ProviderOptions {
  const given = settings.providerOptions ?? {};
  if (!settings.claude) return given;
  const anthropic: JSONObject = { ...given.anthropic, disableParallelToolUse: true };
  return { ...given, anthropic };
}
