import type {
  ContentBlock,
  ConverseCommandInput,
  InferenceConfiguration,
  Message,
  SystemContentBlock,
  Tool,
  ToolChoice,
} from "@aws-sdk/client-bedrock-runtime";
import type { ModelRequest } from "../../core/ports.ts";
import type { ToolSpec } from "../../core/tool.ts";
import { ONE_CALL_INSTRUCTION } from "../one-call.ts";
import { baseModelId } from "./capabilities.ts";

/** How one request is sent: forced or not, and where the cache points go. */
export interface RequestShape {
  forced: boolean;
  cacheSystem: boolean;
  cacheTools: boolean;
  inferenceConfig?: InferenceConfiguration | undefined;
}

const CACHE_POINT = { cachePoint: { type: "default" } } as const;

/**
 * The Converse request for `request`: system messages as `system` blocks (plus the one-call
 * instruction when the tool choice is not forced, then a cache point), the rest as user turns
 * (consecutive ones merged: Converse wants turns that alternate), each tool a `toolSpec` with its
 * JSON Schema (then a cache point), and `toolChoice` `any` or `auto`. An Anthropic model forced to
 * call also gets `additionalModelRequestFields: { tool_choice: { disable_parallel_tool_use: true } }`
 * (`ONE_CALL_FIELDS`). The same agent gets the same tools and choice at every step, so the cached
 * prefix holds.
 *
 * @example
 * const input = converseInput("anthropic.claude-sonnet-4-5-20250929-v1:0", request, shape);
 * await client.send(new ConverseCommand(input));
 */
export function converseInput(
  modelId: string,
  request: ModelRequest,
  shape: RequestShape,
): ConverseCommandInput {
  const system: SystemContentBlock[] = request.messages
    .filter((message) => message.role === "system")
    .map((message) => ({ text: message.content }));
  if (!shape.forced) system.push({ text: ONE_CALL_INSTRUCTION });
  if (shape.cacheSystem && system.length > 0) system.push(CACHE_POINT);

  const tools: Tool[] = request.tools.map(toToolSpec);
  if (shape.cacheTools && tools.length > 0) tools.push(CACHE_POINT);
  const toolChoice: ToolChoice = shape.forced ? { any: {} } : { auto: {} };

  return {
    modelId,
    // Converse refuses an empty `system` or tool list: left out instead.
    ...(system.length > 0 ? { system } : {}),
    messages: userTurns(request),
    ...(request.tools.length > 0 ? { toolConfig: { tools, toolChoice } } : {}),
    ...(shape.inferenceConfig ? { inferenceConfig: shape.inferenceConfig } : {}),
    ...(shape.forced && tools.length > 0 && baseModelId(modelId).startsWith("anthropic.")
      ? { additionalModelRequestFields: ONE_CALL_FIELDS }
      : {}),
  };
}

/**
 * What an Anthropic model forced to call gets beside `toolChoice.any`: Anthropic's
 * `disable_parallel_tool_use`, so the forced call is exactly one. Converse merges this
 * `tool_choice` into the one it writes from `toolConfig.toolChoice`: the field carries no `type`
 * (Bedrock answers 400 to a `tool_choice.type` that conflicts with `toolConfig.toolChoice`, and to a
 * `tool_choice` without a type when no `toolChoice` is sent). Sent only with the forced choice: a
 * 400 naming it falls back to `auto` without it, as a refused forced choice does.
 */
export const ONE_CALL_FIELDS = { tool_choice: { disable_parallel_tool_use: true } } as const;

/** A core tool spec as a Converse tool. */
export function toToolSpec(spec: ToolSpec): Tool {
  return {
    toolSpec: {
      name: spec.name,
      description: spec.description,
      // The SDK types a JSON document loosely; the schema is plain JSON.
      inputSchema: { json: spec.parameters as Record<string, never> },
    },
  };
}

/** The rendered context's user messages as one user turn (the renderer writes one today). */
function userTurns(request: ModelRequest): Message[] {
  const content: ContentBlock[] = request.messages
    .filter((message) => message.role === "user")
    .map((message) => ({ text: message.content }));
  return content.length === 0 ? [] : [{ role: "user", content }];
}
