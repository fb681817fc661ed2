import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createMcpHandler,
  McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type * as z from "zod";

/** The `_meta` key Twelve sends a call's idempotency key under (`IDEMPOTENCY_META_KEY`). */
const IDEMPOTENCY_KEY = "io.twelve-agents/idempotency-key";

/** One tool a test server serves. */
export interface FakeTool {
  name: string;
  description?: string;
  input: z.ZodObject;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean };
  run(args: Record<string, unknown>): FakeResult | Promise<FakeResult>;
}

type FakeResult = string | { error: string } | { structured: object };

/** A call the server received, with the `_meta` it carried. */
export interface ReceivedCall {
  tool: string;
  args: unknown;
  meta: Record<string, unknown>;
}

export interface FakeMcpOptions {
  tools: FakeTool[];
  /** `stateless` (2026-07-28, and 2025 without sessions) or `sessions` (2025 handshake, a session id). */
  mode?: "stateless" | "sessions";
  /** A request without `Authorization: Bearer <bearer>` gets 401. */
  bearer?: string;
  /** The cache hint of `tools/list` (modern clients). */
  ttlMs?: number;
  /**
   * Deduplicate calls on the idempotency key in `_meta`, as a server with side effects should:
   * a call whose key was seen gets the first call's result, and its tool does not run again.
   */
  dedupe?: boolean;
}

/**
 * A real MCP server (`@modelcontextprotocol/server`) on 127.0.0.1 for the client's tests: its
 * tools can change, it can go down and come back on the same port, a session server can forget
 * its sessions (as a restart does), and it records every call and `tools/list`.
 */
export class FakeMcpServer {
  readonly calls: ReceivedCall[] = [];
  /** The side effects: each time a tool ran (a deduplicated call does not), by idempotency key. */
  readonly effects = new Map<string, number>();
  lists = 0;
  /** Sessions a `sessions` server opened (one per handshake). */
  sessionsOpened = 0;
  /** Authorization headers seen, in order. */
  readonly authorizations: (string | null)[] = [];
  tools: FakeTool[];
  private readonly options: FakeMcpOptions;
  private http: Server | undefined;
  private port = 0;
  private readonly sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  private readonly handler: ReturnType<typeof createMcpHandler>;
  /** The result of each call by idempotency key (`dedupe`), shared by the calls that repeat it. */
  private readonly results = new Map<string, Promise<FakeResult>>();

  constructor(options: FakeMcpOptions) {
    this.options = options;
    this.tools = options.tools;
    this.handler = createMcpHandler(() => this.server());
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  /** Starts (or restarts, on the same port) the server. */
  async start(): Promise<this> {
    const http = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => http.listen(this.port, "127.0.0.1", resolve));
    this.port = (http.address() as AddressInfo).port;
    this.http = http;
    return this;
  }

  /** Stops answering: connections are refused until `start()`. */
  async stop(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    if (!http) return;
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }

  /** Forgets every session, as a restarted server does: their next request gets 404. */
  forgetSessions(): void {
    this.sessions.clear();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.handler.close();
  }

  private server(): McpServer {
    const server = new McpServer(
      { name: "fake", version: "1.0.0" },
      { cacheHints: { "tools/list": { ttlMs: this.options.ttlMs ?? 0 } } },
    );
    for (const tool of this.tools) {
      server.registerTool(
        tool.name,
        {
          description: tool.description ?? tool.name,
          inputSchema: tool.input,
          ...(tool.annotations ? { annotations: tool.annotations } : {}),
        },
        async (args: Record<string, unknown>, context: unknown) => {
          const meta = (context as { mcpReq?: { _meta?: Record<string, unknown> } }).mcpReq?._meta;
          this.calls.push({ tool: tool.name, args, meta: { ...(meta ?? {}) } });
          const result = await this.once(String(meta?.[IDEMPOTENCY_KEY] ?? ""), () => {
            const key = String(meta?.[IDEMPOTENCY_KEY] ?? "");
            this.effects.set(key, (this.effects.get(key) ?? 0) + 1);
            return tool.run(args);
          });
          if (typeof result === "string") return { content: [{ type: "text", text: result }] };
          if ("error" in result) {
            return { content: [{ type: "text", text: result.error }], isError: true };
          }
          return {
            content: [{ type: "text", text: JSON.stringify(result.structured) }],
            structuredContent: result.structured as Record<string, unknown>,
          };
        },
      );
    }
    return server;
  }

  /** Runs `run` for a key once when deduplicating (a repeat shares its result), else each time. */
  private once(key: string, run: () => FakeResult | Promise<FakeResult>): Promise<FakeResult> {
    if (!this.options.dedupe || key === "") return Promise.resolve(run());
    let result = this.results.get(key);
    if (!result) {
      result = Promise.resolve(run());
      this.results.set(key, result);
    }
    return result;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(key, value);
    }
    this.authorizations.push(headers.get("authorization"));
    if (body.includes('"tools/list"')) this.lists++;
    const request = new Request(`http://127.0.0.1:${this.port}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    const response = await this.answer(request, body);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body) res.write(chunk);
    res.end();
  }

  private async answer(request: Request, body: Buffer): Promise<Response> {
    const { bearer } = this.options;
    if (bearer && request.headers.get("authorization") !== `Bearer ${bearer}`) {
      return Response.json({ error: "unauthorized" }, { status: 401 });
    }
    if (this.options.mode !== "sessions") return this.handler.fetch(request);
    // A 2025-era server with sessions: the handshake opens one, later requests must name it.
    const id = request.headers.get("mcp-session-id");
    if (id) {
      const transport = this.sessions.get(id);
      if (!transport) return Response.json({ error: "Session not found" }, { status: 404 });
      return transport.handleRequest(request);
    }
    const message = body.length > 0 ? (JSON.parse(body.toString()) as { method?: string }) : {};
    if (message.method !== "initialize") {
      return Response.json({ error: "a session is required" }, { status: 400 });
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (sessionId) => {
        this.sessions.set(sessionId, transport);
        this.sessionsOpened++;
      },
    });
    await this.server().connect(transport);
    return transport.handleRequest(request);
  }
}
