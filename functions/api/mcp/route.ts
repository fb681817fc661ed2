import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as z from "zod";
import { explained, LEFT_OUT_OF_BUNDLE } from "../../../shared/config/peers.ts";
import { ConfigError } from "../../../shared/core/errors.ts";
import { HttpError, json } from "../http.ts";
import { bodyText } from "../request.ts";
import type { Route, RouteContext } from "../route.ts";
import { parseStrictJson } from "../strict-json.ts";
import { registerTools } from "./tools.ts";

type McpServerSdk = typeof import("@modelcontextprotocol/server");

/** How long a 2026-07-28 client may keep the tool list (and the discover result). */
const TOOLS_TTL_MS = 5 * 60_000;

/**
 * How the route loads the MCP server SDK, an optional peer: `load` is a literal `import()` (a
 * bundler inlines it, or leaves it to run time when the package is not installed); `from` is
 * where a failed load looks for the peer, to tell "not installed" from a failure of ours.
 */
export interface McpSdkLoader {
  load: () => Promise<McpServerSdk>;
  from?: string | URL;
}

const installedSdk: McpSdkLoader = {
  // The `try` is for the bundler: esbuild leaves an `import()` it cannot resolve to run time (a
  // warning, not an error) only inside a `try`, so a project without the peer still bundles and
  // deploys. `sdkOf` turns the failure into the 501.
  load: async () => {
    try {
      return await import("@modelcontextprotocol/server");
    } catch (error) {
      // biome-ignore lint/complexity/noUselessCatch: the try is what lets esbuild bundle without the peer
      throw error;
    }
  },
};

/**
 * The SDK, loaded on the route's first request and kept (a failed load is tried again on the
 * next). A deployment without the peer answers `501 mcp_not_installed` naming the install: it
 * does not serve MCP, by its configuration, and no failure of ours is logged.
 */
function sdkOf(loader: McpSdkLoader): () => Promise<McpServerSdk> {
  let sdk: Promise<McpServerSdk> | undefined;
  const importSdk = async (): Promise<McpServerSdk> => {
    try {
      return await loader.load();
    } catch (error) {
      if ((error as { code?: unknown }).code === LEFT_OUT_OF_BUNDLE) {
        throw new HttpError("mcp_not_installed", (error as Error).message);
      }
      const explainedError = explained(error, "the MCP endpoint", loader.from);
      if (explainedError instanceof ConfigError) {
        throw new HttpError("mcp_not_installed", explainedError.message);
      }
      throw explainedError;
    }
  };
  return () => {
    sdk ??= importSdk().catch((error: unknown) => {
      sdk = undefined;
      throw error;
    });
    return sdk;
  };
}

/**
 * One MCP request (streamable HTTP, stateless: a server built for the request, its tools those
 * the key may use) answered in one buffered body (an API Gateway answer is buffered, and no tool
 * streams): the SDK may frame it as server-sent events (`event: message`), which a client that
 * accepts `text/event-stream` reads whole. 2025-era clients are served statelessly too (no
 * session to keep between Lambdas).
 */
async function serveMcp(
  context: RouteContext,
  loadSdk: () => Promise<McpServerSdk>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { event, maxBodyBytes, deps, guard, principal } = context;
  // First: without the SDK there is no endpoint, whatever the body.
  const { createMcpHandler, McpServer } = await loadSdk();
  const text = bodyText(event, maxBodyBytes);
  let parsedBody: unknown;
  try {
    // As every route reads JSON: a duplicate key or a number past a 64-bit float is refused.
    parsedBody = parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return json(400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: error.message } });
  }
  const headers = headersOf(event.headers ?? {});
  const handler = createMcpHandler(
    () => {
      const server = new McpServer(
        { name: "twelve", version: "1" },
        {
          capabilities: { tools: { listChanged: false } },
          // The tools change only with a deploy (or a key's scope): a client may keep the list a
          // while, for itself alone (private: another key may see other tools).
          cacheHints: {
            "tools/list": { ttlMs: TOOLS_TTL_MS, cacheScope: "private" },
            "server/discover": { ttlMs: TOOLS_TTL_MS, cacheScope: "private" },
          },
        },
      );
      registerTools(server, { deps, guard, principal });
      return server;
    },
    // "auto": one JSON body, as none of these tools sends a notification before its result.
    { responseMode: "auto", legacy: "stateless", maxRequestBodySize: maxBodyBytes },
  );
  try {
    // The SDK reads the method, headers and body; the URL is only a Request's requirement.
    const response = await handler.fetch(
      new Request("http://localhost/mcp", { method: "POST", headers, body: text }),
      { parsedBody },
    );
    const answer: APIGatewayProxyStructuredResultV2 = {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.text(),
    };
    return answer;
  } finally {
    await handler.close();
  }
}

/** The request's headers for the SDK; one that HTTP cannot carry is a 400 naming it. */
function headersOf(raw: Record<string, string | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    try {
      headers.set(name, value);
    } catch {
      throw new HttpError(
        "invalid_header",
        `header ${name.slice(0, 64)} is not a valid HTTP header`,
      );
    }
  }
  return headers;
}

/**
 * `POST /mcp`: Twelve's agents as MCP tools, behind the same bearer keys and scopes. `loader`
 * is how it loads the MCP server SDK (the installed package by default).
 *
 * @example
 * const routes = [...otherRoutes, createMcpRoute()];
 */
export function createMcpRoute(loader: McpSdkLoader = installedSdk): Route {
  const loadSdk = sdkOf(loader);
  return {
    method: "POST",
    path: "/mcp",
    auth: true,
    docs: {
      summary:
        "The MCP endpoint (streamable HTTP, stateless; JSON-RPC 2.0 bodies): each agent the key may launch is a tool named after it taking { message }, plus get_thread, answer_thread and message_thread, as the key's scope allows",
      body: z.looseObject({ jsonrpc: z.literal("2.0"), method: z.string() }),
      responses: {
        200: {
          description: "the JSON-RPC answer (a tool's refusal is a result with isError)",
          body: z.looseObject({ jsonrpc: z.literal("2.0") }),
        },
        202: { description: "a notification, taken" },
        400: { description: "not a JSON-RPC message, or invalid for MCP" },
        401: { description: "missing or wrong bearer key" },
        406: { description: "the Accept header takes neither JSON nor an event stream" },
        413: { description: "body too large" },
        415: { description: "the body is not application/json" },
        501: {
          description:
            "the MCP server SDK is not installed here (mcp_not_installed): npm install @modelcontextprotocol/server",
        },
      },
    },
    handle: (context) => serveMcp(context, loadSdk),
  };
}

/** The route, loading the installed SDK. */
export const mcpRoute: Route = createMcpRoute();
