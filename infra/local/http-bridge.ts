import { createServer, type IncomingMessage, type Server } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { GATEWAY_LIMIT_BYTES, gatewayEvent } from "../../functions/http/fetch-event.ts";

type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * A local stand-in for API Gateway's HTTP API: each request becomes a payload-format-2.0 event
 * for the same handler Lambda runs, and its result becomes the response.
 */
export function startHttpBridge(
  handler: ApiHandler,
  port: number,
  log: (line: string) => void = () => {},
): Promise<Server> {
  const server = createServer(async (request, response) => {
    try {
      const body = await readRaw(request);
      const result =
        body === null
          ? {
              statusCode: 413,
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                error: { code: "payload_too_large", message: "body over 10 MB" },
              }),
            }
          : await handler(toEvent(request, body));
      response.writeHead(result.statusCode ?? 200, {
        ...(result.headers as Record<string, string>),
      });
      // HEAD is answered wherever GET is: GET's status and headers, no body.
      response.end(request.method === "HEAD" ? "" : (result.body ?? ""));
    } catch (error) {
      // The detail goes to the log, never to the client.
      log(`http bridge: ${request.method} ${request.url}: ${String(error)}`);
      response.writeHead(500, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          error: { code: "internal", message: "internal error; the request may be retried" },
        }),
      );
    }
  });
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => done(server));
  });
}

function readRaw(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= GATEWAY_LIMIT_BYTES) chunks.push(chunk);
    });
    request.on("end", () => done(size > GATEWAY_LIMIT_BYTES ? null : Buffer.concat(chunks)));
    request.on("error", fail);
  });
}

/** The event API Gateway would send for this request. */
export function toEvent(request: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  // `//threads/x` is a path, not a host: runs of slashes are one, as API Gateway reads them.
  const [path = "/", ...search] = (request.url ?? "/").split("?");
  const url = new URL(
    `${path.replaceAll(/\/{2,}/g, "/")}${search.length > 0 ? `?${search.join("?")}` : ""}`,
    "http://localhost",
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined)
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  return gatewayEvent({
    method: request.method ?? "GET",
    url,
    headers,
    body,
    sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
    protocol: `HTTP/${request.httpVersion}`,
    apiId: "local",
    domainName: headers.host ?? "localhost",
    domainPrefix: "local",
  });
}
