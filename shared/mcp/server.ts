import { type ListToolsResult, SdkHttpError } from "@modelcontextprotocol/client";
import type { ToolSource } from "../core/ports.ts";
import type { Tool } from "../core/tool.ts";
import { compactToolError } from "../core/tool-error.ts";
import { ToolSourceError } from "../core/tool-source.ts";
import { McpConnection } from "./connection.ts";
import { checkOptions, type McpServerOptions } from "./options.ts";
import { modelName, toTwelveTools } from "./tools.ts";

/** The longest a tool list is kept, whatever the server's hint: a day, as the SDK caps it. */
const MAX_TTL_MS = 86_400_000;

/** An MCP server as a source of an agent's tools, with its cache and its connection. */
export interface McpServerSource extends ToolSource {
  readonly options: McpServerOptions;
  /** Forgets the cached tool list: the next step lists the tools again. */
  refresh(): void;
  /** Closes the connection (a stdio server's process ends). */
  close(): Promise<void>;
}

/**
 * An MCP server whose tools an agent may call: `defineAgent({ tools, mcp: [mcpServer(...)] })`.
 * Nothing is contacted here: the tools are listed when a step first needs them, and kept for the
 * server's cache hint (else `cacheTtlMs`) in the process. Each becomes an ordinary Twelve tool
 * (its JSON Schema checked before the call, approval, result budgets and idempotency keys as for
 * any tool).
 *
 * @example
 * const crm = mcpServer({
 *   name: "crm",
 *   url: "https://crm.example.com/mcp",
 *   headers: async () => ({ authorization: `Bearer ${await token()}` }),
 *   approval: ["delete_contact"],
 * });
 * const agent = defineAgent({ name: "support", prompt, tools: [doneForNow], mcp: [crm] });
 */
export function mcpServer(options: McpServerOptions): McpServerSource {
  const checked = checkOptions(options);
  const connection = new McpConnection(checked);
  let cached: { tools: readonly Tool[]; until: number } | undefined;
  let listing: Promise<readonly Tool[]> | undefined;

  const list = async (): Promise<readonly Tool[]> => {
    let listed: ListToolsResult;
    try {
      listed = await connection.request(
        (client) =>
          client.listTools(undefined, {
            timeout: checked.timeoutMs ?? 30_000,
            // This source keeps the list (it honours the same hint): always ask the server.
            cacheMode: "bypass",
          }),
        true,
      );
    } catch (cause) {
      throw unanswered(checked.name, cause);
    }
    const tools = toTwelveTools(checked, listed.tools, connection, () => {
      cached = undefined;
    });
    const hint = (listed as { ttlMs?: unknown }).ttlMs;
    const ttl = typeof hint === "number" && hint >= 0 ? hint : (checked.cacheTtlMs ?? 60_000);
    cached = { tools, until: Date.now() + Math.min(ttl, MAX_TTL_MS) };
    return tools;
  };

  return Object.freeze({
    name: checked.name,
    options: checked,
    ...(checked.include
      ? { declaredTools: checked.include.map((tool) => modelName(checked, tool)) }
      : {}),
    tools: async () => {
      if (cached && Date.now() < cached.until) return cached.tools;
      // Steps running at once in one process share one listing.
      listing ??= list().finally(() => {
        listing = undefined;
      });
      return listing;
    },
    refresh: () => {
      cached = undefined;
    },
    close: () => connection.close(),
  });
}

/** A server that did not answer (or refused): retryable, but for a rejected credential. */
function unanswered(server: string, cause: unknown): ToolSourceError {
  const status = cause instanceof SdkHttpError ? cause.status : undefined;
  if (status === 401 || status === 403) {
    return new ToolSourceError(
      server,
      `MCP server "${server}" refused the credentials (HTTP ${status}): check its headers`,
      { cause, retryable: false },
    );
  }
  return new ToolSourceError(
    server,
    `MCP server "${server}" did not answer (${compactToolError(cause).model})`,
    { cause, retryable: true },
  );
}
