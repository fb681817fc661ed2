import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

/** A fetch-style handler: what `createHttpApi(...).fetch` is, and what Hono's `app.fetch` is. */
export type FetchHandler = (request: Request) => Promise<Response> | Response;

/**
 * A `node:http` request listener serving `handler`: for `createServer`, Express (`app.use`) and
 * Fastify (`reply.hijack()`, then the raw request and response). A body a framework has already
 * parsed (Express's `express.json()` sets `req.body`) is passed on as JSON; otherwise the raw
 * body is read. A failure of the handler itself answers 500 without detail.
 *
 * @example
 * import { createServer } from "node:http";
 * createServer(toNodeListener(api.fetch)).listen(3000);
 */
export function toNodeListener(
  handler: FetchHandler,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    try {
      const answer = await handler(toRequest(request));
      const headers: Record<string, string | string[]> = {};
      answer.headers.forEach((value, name) => {
        if (name !== "set-cookie") headers[name] = value;
      });
      const cookies = answer.headers.getSetCookie();
      if (cookies.length > 0) headers["set-cookie"] = cookies;
      response.writeHead(answer.status, headers);
      response.end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      if (!response.headersSent) {
        response.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      }
      response.end(
        JSON.stringify({
          error: { code: "internal", message: "internal error; the request may be retried" },
        }),
      );
    }
  };
}

/** The fetch `Request` of a node request (its `originalUrl` under Express, whatever it mounts). */
function toRequest(request: IncomingMessage & { body?: unknown; originalUrl?: string }): Request {
  const host = request.headers.host ?? "localhost";
  const url = new URL(request.originalUrl ?? request.url ?? "/", `http://${host}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const method = request.method ?? "GET";
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers });
  const parsed = request.body;
  if (parsed !== undefined && request.readableEnded) {
    // A framework read the body first: pass on what it parsed.
    const body =
      Buffer.isBuffer(parsed) || typeof parsed === "string" ? parsed : JSON.stringify(parsed);
    headers.delete("content-length");
    return new Request(url, { method, headers, body });
  }
  return new Request(url, {
    method,
    headers,
    body: Readable.toWeb(request) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit);
}
