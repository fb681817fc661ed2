import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { THREAD_TOOLS } from "../api/mcp/tools.ts";
import { threadId as threadIdShape } from "../api/schemas.ts";

/**
 * The thread a request acts on, when it names one: `/threads/{id}` (and below) in its path, or
 * in a `POST /mcp` body of at most `maxBodyBytes`, a call of an MCP thread tool (`get_thread`,
 * `answer_thread`, `message_thread`) with its `threadId`. A body this cannot read names none: the
 * route answers for it.
 *
 * @example
 * threadOfRequest(event, 65_536); // "thr_01J..." for GET /threads/thr_01J...
 */
export function threadOfRequest(
  event: APIGatewayProxyEventV2,
  maxBodyBytes: number,
): string | undefined {
  const id =
    /^\/threads\/([^/]+)/.exec(event.rawPath)?.[1] ??
    (event.rawPath === "/mcp" ? threadOfMcpCall(event, maxBodyBytes) : undefined);
  return id !== undefined && threadIdShape.safeParse(id).success ? id : undefined;
}

const threadTools: ReadonlySet<string> = new Set(THREAD_TOOLS);

function threadOfMcpCall(event: APIGatewayProxyEventV2, maxBodyBytes: number): string | undefined {
  // A body the route refuses (not UTF-8 text, too large) is not read here either.
  if (event.isBase64Encoded || !event.body || event.body.length > maxBodyBytes) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(event.body);
  } catch {
    return undefined;
  }
  const { method, params } = (message ?? {}) as { method?: unknown; params?: unknown };
  if (method !== "tools/call") return undefined;
  const { name, arguments: args } = (params ?? {}) as { name?: unknown; arguments?: unknown };
  if (typeof name !== "string" || !threadTools.has(name)) return undefined;
  const { threadId } = (args ?? {}) as { threadId?: unknown };
  return typeof threadId === "string" ? threadId : undefined;
}
