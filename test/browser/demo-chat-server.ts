import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ContextMessage, Model, ModelRequest } from "../../shared/core/ports.ts";
import type { ToolSpec } from "../../shared/core/tool.ts";
import { DemoModel } from "../../shared/examples/demo-model.ts";
import { completion, toolCallCompletion } from "../llm/completions.ts";

/** A Chat Completions request body, as the OpenAI adapter sends it (the parts read here). */
interface CompletionsRequest {
  messages: { role: string; content: string }[];
  tools: {
    type: "function";
    function: { name: string; description: string; parameters: object };
  }[];
}

export interface DemoChatServer {
  /** The base URL to hand to the OpenAI SDK: `http://127.0.0.1:<port>/v1`. */
  readonly baseURL: string;
  /** How many completions it answered. */
  readonly requests: () => number;
  close(): Promise<void>;
}

/** The request as the core's `ModelRequest`: what the demo model reads. */
export function toModelRequest(body: CompletionsRequest): ModelRequest {
  return {
    messages: body.messages.map(
      ({ role, content }): ContextMessage => ({
        role: role === "system" ? "system" : "user",
        content,
      }),
    ),
    tools: body.tools.map(
      ({ function: fn }): ToolSpec => ({
        name: fn.name,
        description: fn.description,
        parameters: fn.parameters as ToolSpec["parameters"],
      }),
    ),
  };
}

/**
 * A local Chat Completions server that answers each request by running the demo model (or the
 * `model` given, e.g. one that reads the prompt) on the request's own messages and tools: the example flows (calculator, deploybot) play through the
 * real OpenAI adapter and the wire format, with no scripted queue to keep in step.
 *
 * @example
 * const server = await startDemoChatServer();
 * const model = new OpenAIModel({ model: "gpt-4o-mini", client: new OpenAI({ apiKey: "test", baseURL: server.baseURL }) });
 */
export async function startDemoChatServer(model: Model = new DemoModel()): Promise<DemoChatServer> {
  let answered = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json", "x-should-retry": "false" });
        res.end(JSON.stringify(body));
      };
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        return send(404, { error: { message: `no route ${req.url}`, type: "test" } });
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as CompletionsRequest;
        const reply = await model.next(toModelRequest(body));
        answered++;
        send(
          200,
          reply.type === "tool_call"
            ? toolCallCompletion([[reply.tool, JSON.stringify(reply.args)]])
            : completion({ role: "assistant", content: reply.reason, refusal: null }),
        );
      } catch (error) {
        send(400, { error: { message: String(error), type: "test" } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests: () => answered,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
