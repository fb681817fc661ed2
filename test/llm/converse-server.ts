import { createServer, type Http2ServerResponse, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";

/** One scripted answer: a JSON response, or `"hang"` to never answer (for timeouts). */
export type ConverseAnswer =
  | { status: number; body: unknown; headers?: Record<string, string> }
  | "hang";

/** A request as the server received it. */
export interface ConverseRequest {
  method: string;
  path: string;
  /** The model id of `/model/{modelId}/converse`, decoded. */
  modelId: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
}

export interface ConverseServerOptions {
  /**
   * Models that answer 400 (ValidationException naming the tool choice) to a forced tool choice
   * (`toolChoice.any` or `.tool`) without using up a scripted answer, as Bedrock does for models
   * that refuse it.
   */
  refuseForcedChoice?: (modelId: string) => boolean;
}

export interface ConverseServer {
  /** The endpoint to hand to the SDK (`endpoint`, or `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`). */
  readonly endpoint: string;
  /** Every request received, in order. */
  readonly requests: ConverseRequest[];
  /** Queues answers, played one per request (a function answers from the request). */
  enqueue(...answers: (ConverseAnswer | ((request: ConverseRequest) => ConverseAnswer))[]): void;
  close(): Promise<void>;
}

/**
 * A local server speaking Bedrock Runtime's Converse REST protocol over HTTP/2 without TLS (the
 * SDK's default handler for this client is HTTP/2): `POST /model/{modelId}/converse` with a JSON
 * body, answered from a queue. Errors go as AWS's REST JSON protocol has them: the
 * `x-amzn-ErrorType` header and `{"message"}`. Past the end of the queue it answers 400
 * `ValidationException`, so an unexpected call fails fast and shows in `requests`.
 *
 * @example
 * const server = await startConverseServer();
 * server.enqueue(toolUseAnswer([["add", { a: 1, b: 2 }]]));
 * const client = new BedrockRuntimeClient({ endpoint: server.endpoint, region: "us-east-1", credentials });
 */
export async function startConverseServer(
  options: ConverseServerOptions = {},
): Promise<ConverseServer> {
  const queue: (ConverseAnswer | ((request: ConverseRequest) => ConverseAnswer))[] = [];
  const requests: ConverseRequest[] = [];
  const sessions = new Set<Http2Session>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "";
      const match = /^\/model\/([^/]+)\/converse$/.exec(path);
      const request: ConverseRequest = {
        method: req.method ?? "",
        path,
        modelId: match ? decodeURIComponent(match[1] as string) : "",
        headers: req.headers,
        body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
      requests.push(request);
      if (req.method !== "POST" || !match) {
        return send(res, errorAnswer("UnknownOperationException", 404, `no route ${path}`));
      }
      if (options.refuseForcedChoice?.(request.modelId) && isForced(request.body)) {
        return send(
          res,
          errorAnswer(
            "ValidationException",
            400,
            "This model doesn't support the toolConfig.toolChoice.any field. Remove toolConfig.toolChoice.any and try again.",
          ),
        );
      }
      const next = queue.shift();
      const answer = typeof next === "function" ? next(request) : next;
      if (answer === "hang") return;
      send(
        res,
        answer ??
          errorAnswer("ValidationException", 400, "converse-server: no scripted answer left"),
      );
    });
  });
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...answers) => {
      queue.push(...answers);
    },
    close: () =>
      new Promise((resolve, reject) => {
        for (const session of sessions) session.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Whether a Converse body forces a tool call. */
const isForced = (body: Record<string, unknown>): boolean => {
  const choice = (body.toolConfig as { toolChoice?: Record<string, unknown> } | undefined)
    ?.toolChoice;
  return choice !== undefined && ("any" in choice || "tool" in choice);
};

function send(
  res: Http2ServerResponse,
  answer: { status: number; body: unknown; headers?: Record<string, string> },
): void {
  res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
  res.end(JSON.stringify(answer.body));
}

/** Token counts of an answer (Bedrock's names). */
export interface ConverseUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

const defaultUsage: ConverseUsage = { inputTokens: 42, outputTokens: 7 };

/** A 200 whose message holds `content` blocks. */
export function converseAnswer(
  content: unknown[],
  stopReason = "end_turn",
  usage: ConverseUsage = defaultUsage,
): ConverseAnswer {
  const total =
    usage.inputTokens +
    usage.outputTokens +
    (usage.cacheReadInputTokens ?? 0) +
    (usage.cacheWriteInputTokens ?? 0);
  return {
    status: 200,
    body: {
      output: { message: { role: "assistant", content } },
      stopReason,
      usage: { ...usage, totalTokens: total },
      metrics: { latencyMs: 12 },
    },
  };
}

/** A 200 with one `toolUse` block per call, stop reason `tool_use`. */
export function toolUseAnswer(
  calls: [name: string, input: unknown][],
  usage?: ConverseUsage,
): ConverseAnswer {
  return converseAnswer(
    calls.map(([name, input], i) => ({ toolUse: { toolUseId: `tooluse_${i}`, name, input } })),
    "tool_use",
    usage,
  );
}

/** A 200 with text only. */
export const textAnswer = (text: string): ConverseAnswer => converseAnswer([{ text }]);

/** An error as Bedrock Runtime sends it. */
export function errorAnswer(
  type: string,
  status: number,
  message: string,
): ConverseAnswer & object {
  return { status, body: { message }, headers: { "x-amzn-errortype": type } };
}
