import {
  AccessDeniedException,
  ModelTimeoutException,
  ServiceUnavailableException,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-runtime";
import { ModelError } from "../../shared/core/errors.ts";
import type { Model, ModelReply, ModelRequest } from "../../shared/core/ports.ts";
import { toBedrockError } from "../../shared/llm/bedrock/errors.ts";
import { toBedrockReply } from "../../shared/llm/bedrock/reply.ts";

/**
 * What goes wrong with a model, as the adapter reports it: transport failures are thrown as
 * `ModelError` (retryable or not, as `toModelError` maps them), useless answers come back as
 * `invalid` replies or as calls the reducer rejects.
 */
export const modelFaults = [
  "timeout", // the SDK gave up waiting: retryable
  "rate_limited", // 429: retryable
  "server_error", // 5xx: retryable
  "unauthorized", // 401: not retryable, a person must fix the setup
  "no_tool_call", // text instead of a tool call
  "garbage", // arguments that are not JSON
  "unknown_tool", // a tool the agent does not have
  "invalid_args", // arguments that fail the tool's schema
] as const;
export type ModelFault = (typeof modelFaults)[number];

/** The faults a model can heal from without a person: all but `unauthorized`. */
export const transientModelFaults: readonly ModelFault[] = modelFaults.filter(
  (fault) => fault !== "unauthorized",
);

/**
 * A model that fails when `pick` says so and otherwise asks `inner`. Tests make `pick` a pure
 * function of the step (thread and version), so a retried step meets the same fault and a
 * faulty run can be compared with a clean run of the same faults.
 *
 * @example
 * const model = new FlakyModel(new DemoModel(), () => (Math.random() < 0.3 ? "rate_limited" : null));
 */
export class FlakyModel implements Model {
  readonly injected: Partial<Record<ModelFault, number>> = {};
  private readonly inner: Model;
  private readonly pick: (request: ModelRequest) => ModelFault | null;
  private readonly provider: FaultProvider;

  constructor(
    inner: Model,
    pick: (request: ModelRequest) => ModelFault | null,
    provider: FaultProvider = "openai",
  ) {
    this.inner = inner;
    this.pick = pick;
    this.provider = provider;
  }

  async next(request: ModelRequest): Promise<ModelReply> {
    const fault = this.pick(request);
    if (!fault) return this.inner.next(request);
    this.injected[fault] = (this.injected[fault] ?? 0) + 1;
    return this.provider === "bedrock" ? bedrockModelFault(fault) : modelFault(fault);
  }
}

/** Whose error shapes the faults take: OpenAI's (the default) or Bedrock's. */
export type FaultProvider = "openai" | "bedrock";

/** The Bedrock model the faults name. */
const BEDROCK_MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

/**
 * A fault as the Bedrock adapter reports it: its failures are the SDK's own exceptions through
 * the adapter's mapping (`toBedrockError`), its useless answers Converse responses through the
 * adapter's reply mapping; the faults the adapter cannot tell apart from any other model's
 * (unknown tools, bad arguments) are the shared ones.
 */
export function bedrockModelFault(fault: ModelFault): ModelReply {
  const site = { modelId: BEDROCK_MODEL, region: "us-east-1" };
  const meta = { $metadata: {} };
  const converse = (content: object[], stopReason: string) =>
    toBedrockReply(
      {
        output: { message: { role: "assistant", content } },
        stopReason,
        usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 },
        metrics: undefined,
      } as never,
      BEDROCK_MODEL,
    );
  switch (fault) {
    case "timeout":
      throw toBedrockError(
        new ModelTimeoutException({ message: "Model timed out", ...meta }),
        site,
      );
    case "rate_limited":
      throw toBedrockError(
        new ThrottlingException({ message: "Too many requests", ...meta }),
        site,
      );
    case "server_error":
      throw toBedrockError(
        new ServiceUnavailableException({ message: "Service unavailable", ...meta }),
        site,
      );
    case "unauthorized":
      throw toBedrockError(new AccessDeniedException({ message: "No access", ...meta }), site);
    case "no_tool_call":
      return converse([{ text: "Sure!" }], "end_turn");
    case "garbage":
      return converse([{ text: "" }], "malformed_tool_use");
    case "unknown_tool":
    case "invalid_args":
      return modelFault(fault);
    default: {
      const unknown: never = fault;
      throw new TypeError(`unknown model fault ${String(unknown)}`);
    }
  }
}

/** The reply a fault turns into, or throws the `ModelError` it turns into. */
export function modelFault(fault: ModelFault): ModelReply {
  switch (fault) {
    case "timeout":
      throw new ModelError("OpenAI request timed out", { retryable: true });
    case "rate_limited":
      throw new ModelError("OpenAI API returned 429 (rate_limit_exceeded)", { retryable: true });
    case "server_error":
      throw new ModelError("OpenAI API returned 503", { retryable: true });
    case "unauthorized":
      throw new ModelError("OpenAI API returned 401 (invalid_api_key)", { retryable: false });
    case "no_tool_call":
      return {
        type: "invalid",
        reason: "the model replied with text instead of a tool call: Sure!",
      };
    case "garbage":
      return { type: "invalid", reason: "the arguments for add are not valid JSON: {a:1,," };
    case "unknown_tool":
      return { type: "tool_call", tool: "sqrt", args: { x: 2 } };
    case "invalid_args":
      return { type: "tool_call", tool: "add", args: { a: "one" } };
    default: {
      const unknown: never = fault;
      throw new TypeError(`unknown model fault ${String(unknown)}`);
    }
  }
}
