import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** Bodies above this are refused before they reach the router (API Gateway's own limit). */
export const GATEWAY_LIMIT_BYTES = 10 * 1024 * 1024;

/** What a request's API Gateway event is made of, whichever server received it. */
export interface GatewayRequest {
  method: string;
  /** Its path (runs of slashes already one) and query. */
  url: URL;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: Buffer;
  sourceIp: string;
  protocol: string;
  apiId: string;
  domainName: string;
  domainPrefix: string;
}

/**
 * The API Gateway HTTP API (payload format 2.0) event of a request, as the router Lambda runs
 * expects it: `twelve dev`'s bridge and `createHttpApi` both hand requests in this shape.
 */
export function gatewayEvent(request: GatewayRequest): APIGatewayProxyEventV2 {
  const { url, headers, body } = request;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] ? `${query[name]},${value}` : value;
  const method = request.method === "HEAD" ? "GET" : request.method;
  const now = new Date();
  const text = body.toString("utf8");
  const isText = Buffer.from(text, "utf8").equals(body);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: request.apiId,
      domainName: request.domainName,
      domainPrefix: request.domainPrefix,
      http: {
        method,
        path: url.pathname,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
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

/**
 * The API Gateway event for a fetch `Request` (see `gatewayEvent`); `null` for a body over
 * `GATEWAY_LIMIT_BYTES`.
 *
 * @example
 * const event = await requestToEvent(new Request("http://localhost/threads?status=done"));
 * event?.rawPath; // "/threads"
 */
export async function requestToEvent(request: Request): Promise<APIGatewayProxyEventV2 | null> {
  const body = Buffer.from(await request.arrayBuffer());
  if (body.length > GATEWAY_LIMIT_BYTES) return null;
  const url = new URL(request.url);
  // `//threads/x` is a path, not a host: runs of slashes are one, as API Gateway reads them.
  url.pathname = url.pathname.replaceAll(/\/{2,}/g, "/");
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return gatewayEvent({
    method: request.method,
    url,
    headers,
    body,
    sourceIp: headers["x-forwarded-for"]?.split(",")[0]?.trim() || "127.0.0.1",
    protocol: "HTTP/1.1",
    apiId: "fetch",
    domainName: url.host,
    domainPrefix: url.hostname.split(".")[0] ?? url.hostname,
  });
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
