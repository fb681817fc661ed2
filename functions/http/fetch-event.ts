import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** Bodies above this are refused before they reach the router (API Gateway's own limit). */
export const GATEWAY_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * The API Gateway HTTP API (payload format 2.0) event for a fetch `Request`: the router behind
 * `createHttpApi` is the one Lambda runs, so a request takes the same shape it has in AWS.
 * `null` for a body over `GATEWAY_LIMIT_BYTES`.
 *
 * @example
 * const event = await requestToEvent(new Request("http://localhost/threads?status=done"));
 * event?.rawPath; // "/threads"
 */
export async function requestToEvent(request: Request): Promise<APIGatewayProxyEventV2 | null> {
  const body = Buffer.from(await request.arrayBuffer());
  if (body.length > GATEWAY_LIMIT_BYTES) return null;
  const incoming = new URL(request.url);
  // `//threads/x` is a path, not a host: runs of slashes are one, as API Gateway reads them.
  const path = incoming.pathname.replaceAll(/\/{2,}/g, "/");
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const query: Record<string, string> = {};
  for (const [name, value] of incoming.searchParams)
    query[name] = query[name] ? `${query[name]},${value}` : value;
  const method = request.method === "HEAD" ? "GET" : request.method;
  const now = new Date();
  const text = body.toString("utf8");
  const isText = Buffer.from(text, "utf8").equals(body);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: incoming.search.slice(1),
    headers,
    ...(incoming.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "fetch",
      domainName: incoming.host,
      domainPrefix: incoming.hostname.split(".")[0] ?? incoming.hostname,
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        sourceIp: headers["x-forwarded-for"]?.split(",")[0]?.trim() || "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? text : body.toString("base64") } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

/** The fetch `Response` for the router's result; a HEAD gets GET's status and headers, no body. */
export function resultToResponse(
  result: APIGatewayProxyStructuredResultV2,
  method: string,
): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    headers.set(name, String(value));
  }
  for (const cookie of result.cookies ?? []) headers.append("set-cookie", cookie);
  const status = result.statusCode ?? 200;
  const empty = method === "HEAD" || status === 204 || status === 304 || !result.body;
  const body = empty
    ? null
    : result.isBase64Encoded
      ? Buffer.from(result.body ?? "", "base64")
      : (result.body ?? "");
  return new Response(body, { status, headers });
}
