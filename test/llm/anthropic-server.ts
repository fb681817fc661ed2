import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RecordedRequest, ScriptedResponse } from "./chat-server.ts";

export interface AnthropicServer {
  /** The base URL to hand to `createAnthropic({ baseURL })`: `http://127.0.0.1:<port>/v1`. */
  readonly baseURL: string;
  /** The key it accepts in `x-api-key`; any other is answered 401. */
  readonly apiKey: string;
  /** Every request received, in order (those answered 400 or 401 too). */
  readonly requests: RecordedRequest[];
  /** Queues answers, played one per accepted request. */
  enqueue(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

export interface AnthropicServerOptions {
  /**
   * Models that refuse a forced tool choice, as the newest Claude models do: a request for one of
   * them with `tool_choice` `any` or `tool` is answered 400, without taking an answer from the
   * queue.
   */
  refuseForcedChoice?: readonly string[];
}

/**
 * A local HTTP server speaking Anthropic's Messages API (`POST /v1/messages`, JSON, errors as
 * `{"type":"error","error":{"type","message"}}`), for `@ai-sdk/anthropic` pointed at it with
 * `baseURL`. It checks the key, plays models that refuse a forced tool choice, records each
 * request and answers the others from a queue; past its end it answers 400, so an unexpected call
 * fails fast and shows in `requests`.
 *
 * @example
 * const server = await startAnthropicServer({ refuseForcedChoice: ["claude-sonnet-5-5"] });
 * server.enqueue({ status: 200, body: toolUseMessage([["add", { a: 1, b: 2 }]]) });
 * const anthropic = createAnthropic({ baseURL: server.baseURL, apiKey: server.apiKey });
 */
export async function startAnthropicServer(
  options: AnthropicServerOptions = {},
): Promise<AnthropicServer> {
  const apiKey = "sk-ant-test";
  const queue: ScriptedResponse[] = [];
  const requests: RecordedRequest[] = [];
  const refusing = new Set(options.refuseForcedChoice ?? []);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      if (req.method !== "POST" || req.url !== "/v1/messages") {
        return send(res, 404, anthropicError("not_found_error", `no route ${req.url}`));
      }
      if (req.headers["x-api-key"] !== apiKey) {
        return send(res, 401, anthropicError("authentication_error", "invalid x-api-key"));
      }
      const choice = (body.tool_choice as { type?: string } | undefined)?.type;
      if (refusing.has(String(body.model)) && (choice === "any" || choice === "tool")) {
        const message = `tool_choice.type '${choice}' is not supported by ${String(body.model)}; use 'auto'`;
        return send(res, 400, anthropicError("invalid_request_error", message));
      }
      const next = queue.shift();
      if (next === "hang") return;
      if (next === undefined) {
        const error = anthropicError("invalid_request_error", "anthropic-server: no answer left");
        return send(res, 400, error, { "x-should-retry": "false" });
      }
      send(res, next.status, next.body, next.headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    enqueue: (...responses) => {
      queue.push(...responses);
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Token counts of a Messages response (`cache_*`: tokens read from or written to the cache). */
export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

const USAGE: MessageUsage = { input_tokens: 42, output_tokens: 7 };

/** A Messages response whose content is one `tool_use` block per call. */
export function toolUseMessage(
  calls: readonly (readonly [name: string, input: unknown])[],
  { model = "claude-sonnet-5-20260101", usage = USAGE } = {},
): object {
  return message(
    calls.map(([name, input], i) => ({ type: "tool_use", id: `toolu_0${i + 1}`, name, input })),
    "tool_use",
    model,
    usage,
  );
}

/** A Messages response with text only. */
export const textMessage = (text: string, model = "claude-sonnet-5-20260101"): object =>
  message([{ type: "text", text }], "end_turn", model, USAGE);

/** An error body as the Messages API sends it. */
export const anthropicError = (type: string, message: string): object => ({
  type: "error",
  error: { type, message },
});

function message(content: object[], stopReason: string, model: string, usage: MessageUsage) {
  return {
    id: "msg_test",
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
