import { type ClientOptions, OpenAI } from "openai";
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
} from "openai/resources/chat/completions";
import type { Model, ModelIdentity, ModelReply, ModelRequest } from "../core/ports.ts";
import type { ToolSpec } from "../core/tool.ts";
import { hostOf, toModelError } from "./errors.ts";
import { toModelReply } from "./reply.ts";

export interface OpenAIModelOptions {
  /** The model id, for example `"gpt-4o-mini"`. */
  model: string;
  /** A ready client (tests, proxies, shared instances). Built from `clientOptions` when omitted. */
  client?: OpenAI;
  /** Options for the client built when `client` is omitted (the SDK reads env defaults). */
  clientOptions?: ClientOptions;
}

/**
 * The `Model` port on OpenAI's Chat Completions API: every tool is a strict function, the model
 * must call exactly one (`tool_choice: "required"`, `parallel_tool_calls: false`), and the reply
 * becomes a `tool_call` or an `invalid` reply. Transport failures, after the SDK's own retries,
 * are thrown as `ModelError` naming the server's host; so is a 200 that breaks the wire format
 * (no `choices`, no `message`, ...). No SDK error escapes.
 *
 * @example
 * const model = new OpenAIModel({
 *   model: "gpt-4o-mini",
 *   client: new OpenAI({ apiKey, maxRetries: 3, timeout: 60_000 }),
 * });
 * const { events, next } = await step(thread, { agent: calculator, model, clock });
 */
export class OpenAIModel implements Model {
  readonly model: string;
  readonly identity: ModelIdentity;
  private readonly client: OpenAI;

  constructor(options: OpenAIModelOptions) {
    this.model = options.model;
    this.identity = { provider: "openai", model: options.model };
    this.client = options.client ?? new OpenAI(options.clientOptions);
  }

  async next(request: ModelRequest): Promise<ModelReply> {
    const host = hostOf(this.client.baseURL);
    // Typed by the SDK, but a compatible server may answer 200 with anything: checked as unknown.
    let completion: unknown;
    try {
      completion = await this.client.chat.completions.create(this.params(request));
    } catch (cause) {
      throw toModelError(cause, host);
    }
    return toModelReply(completion, host);
  }

  /** The request body sent for `request`. */
  params(request: ModelRequest): ChatCompletionCreateParamsNonStreaming {
    return {
      model: this.model,
      messages: request.messages.map(({ role, content }) => ({ role, content })),
      tools: request.tools.map(toFunctionTool),
      tool_choice: "required",
      parallel_tool_calls: false,
    };
  }
}

/**
 * A core tool spec as a Chat Completions function tool: strict, unless its JSON Schema cannot be
 * (a JSON-Schema tool with optional properties or open objects, as MCP servers' are).
 */
export function toFunctionTool(spec: ToolSpec): ChatCompletionFunctionTool {
  return {
    type: "function",
    function: {
      name: spec.name,
      description: spec.description,
      parameters: spec.parameters,
      strict: spec.strict ?? true,
    },
  };
}
