import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted answer: an HTTP response, or `"hang"` to never answer (for timeouts). */
export type ScriptedResponse =
  | { status: number; body: unknown; headers?: Record<string, string> }
  | "hang";

/** A request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
}

export interface ChatServer {
  /** The base URL to hand to the SDK: `http://127.0.0.1:<port>/v1`. */
  readonly baseURL: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Queues answers, played one per request. */
  enqueue(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server speaking the Chat Completions wire format: it records each request and
 * answers from a queue. Past the end of the queue it answers 400 with `x-should-retry: false`, so
 * an unexpected call fails fast and shows in `requests`.
 *
 * @example
 * const server = await startChatServer();
 * server.enqueue({ status: 200, body: toolCallCompletion([["add", '{"a":1,"b":2}']]) });
 * const client = new OpenAI({ apiKey: "test", baseURL: server.baseURL });
 */
export async function startChatServer(): Promise<ChatServer> {
  const queue: ScriptedResponse[] = [];
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
      });
      const next = queue.shift();
      if (next === "hang") return;
      if (next === undefined) {
        const error = { message: "chat-server: no scripted response left", type: "test" };
        return send(res, 400, { error }, { "x-should-retry": "false" });
      }
      send(res, next.status, next.body, next.headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
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

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
