import {
  type CallToolResult,
  type Tool as McpTool,
  SdkError,
  SdkErrorCode,
} from "@modelcontextprotocol/client";
import { ConfigError } from "../core/errors.ts";
import type { JsonSchemaObject } from "../core/json-schema-tool.ts";
import { defineTool, type Tool } from "../core/tool.ts";
import { compactToolError, ToolError } from "../core/tool-error.ts";
import { ToolSourceError } from "../core/tool-source.ts";
import { type McpConnection, notConnected } from "./connection.ts";
import type { McpServerOptions, McpToolInfo } from "./options.ts";

/**
 * The `_meta` key of a `tools/call` request that carries the call's idempotency key (stable
 * across retries of the same call: thread id + call id). A server that has side effects
 * deduplicates on it.
 */
export const IDEMPOTENCY_META_KEY = "io.twelve-agents/idempotency-key";

/**
 * The Twelve tools of a server's listing: include/exclude applied, each named as the model sees
 * it (`prefix_name`), its JSON Schema as its input, `approval` kind where the options or the
 * server's annotations say so. A listing that leaves no tool, or holds a tool that cannot be
 * used, fails with the reason: never an empty tool list in silence.
 */
export function toTwelveTools(
  options: McpServerOptions,
  listed: readonly McpTool[],
  connection: McpConnection,
  /** Called when a call found the server gone: the source forgets its listing. */
  onUnanswered: () => void = () => undefined,
): Tool[] {
  const { name: server, include, exclude = [] } = options;
  const byName = new Map(listed.map((tool) => [tool.name, tool]));
  // A name in include or approval the server does not list is a typo or a renamed tool: an
  // approval that silently guards nothing would let a destructive call run unasked.
  const named = { include, approval: Array.isArray(options.approval) ? options.approval : [] };
  for (const [option, names] of Object.entries(named)) {
    const missing = (names ?? []).filter((name) => !byName.has(name));
    if (missing.length > 0) {
      throw unusable(server, `lists no tool named ${missing.join(", ")} (its ${option} option)`);
    }
  }
  const chosen = listed.filter(
    (tool) => (include ? include.includes(tool.name) : true) && !exclude.includes(tool.name),
  );
  if (chosen.length === 0) throw unusable(server, "lists no tool this agent may use");
  return chosen.map((tool) => toTwelveTool(options, tool, connection, onUnanswered));
}

function toTwelveTool(
  options: McpServerOptions,
  tool: McpTool,
  connection: McpConnection,
  onUnanswered: () => void,
): Tool {
  const name = modelName(options, tool.name);
  const needsApproval = approvalOf(options, {
    name: tool.name,
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  });
  const timeout = options.timeoutMs ?? 30_000;
  try {
    return defineTool({
      name,
      description: tool.description ?? tool.title ?? tool.name,
      parameters: tool.inputSchema as JsonSchemaObject,
      kind: needsApproval ? "approval" : "sync",
      run: async (args, context) => {
        let result: CallToolResult;
        try {
          result = await connection.request((client) =>
            client.callTool(
              {
                name: tool.name,
                arguments: args,
                _meta: { [IDEMPOTENCY_META_KEY]: context.idempotencyKey },
              },
              { timeout },
            ),
          );
        } catch (cause) {
          const message = `MCP server "${options.name}" did not answer (${compactToolError(cause).model})`;
          if (!unanswered(cause)) throw new ToolError(message, { cause });
          // The server is gone, not the tool failing: the step keeps the call owed (same call
          // id, same idempotency key) and the next step lists the tools again.
          onUnanswered();
          throw new ToolSourceError(options.name, message, { cause, retryable: true });
        }
        // The server's own words: written for the model, as a ToolError's are.
        if (result.isError) throw new ToolError(contentText(result) || "the tool failed");
        return resultValue(result);
      },
    });
  } catch (cause) {
    const reason = cause instanceof ConfigError ? cause.message : String(cause);
    throw unusable(options.name, `has a tool Twelve cannot use: ${reason} (exclude it)`, cause);
  }
}

/** The SDK's codes for a request that got no answer: the connection, or the wait, failed. */
const UNANSWERED: ReadonlySet<string> = new Set([
  SdkErrorCode.ConnectionClosed,
  SdkErrorCode.SendFailed,
  SdkErrorCode.RequestTimeout,
]);

/**
 * Whether a call got no answer at all (the server unreachable, the connection lost, the wait
 * timed out), as against an answer that refused it: `fetch failed` is a TypeError.
 */
function unanswered(cause: unknown): boolean {
  if (notConnected(cause)) return true;
  if (cause instanceof SdkError) return UNANSWERED.has(cause.code);
  return cause instanceof TypeError;
}

/** The name the model sees: the prefix, and characters the model APIs refuse made `_`. */
export function modelName(options: McpServerOptions, name: string): string {
  const safe = name.replace(/[^a-zA-Z0-9_-]/g, "_");
  return options.prefix ? `${options.prefix}_${safe}` : safe;
}

/** Whether a tool waits for approval: the option, else the server's destructive annotation. */
function approvalOf(options: McpServerOptions, tool: McpToolInfo): boolean {
  const { approval } = options;
  if (typeof approval === "function") return approval(tool);
  if (approval) return approval.includes(tool.name);
  return tool.annotations?.destructiveHint === true && tool.annotations.readOnlyHint !== true;
}

/**
 * What the thread records as the call's result: the structured content when the server gives
 * it, else the text (one block as a string), other blocks named by type (their bytes are not
 * the model's to read).
 */
function resultValue(result: CallToolResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const blocks = result.content ?? [];
  if (blocks.length === 1 && blocks[0]?.type === "text") return blocks[0].text;
  return blocks.map((block) =>
    block.type === "text"
      ? block.text
      : {
          type: block.type,
          ...("mimeType" in block ? { mimeType: block.mimeType } : {}),
          ...("uri" in block ? { uri: block.uri } : {}),
        },
  );
}

const contentText = (result: CallToolResult): string =>
  (result.content ?? [])
    .flatMap((block) => (block.type === "text" ? [block.text] : []))
    .join("\n")
    .trim();

const unusable = (server: string, reason: string, cause?: unknown) =>
  new ToolSourceError(server, `MCP server "${server}" ${reason}`, { cause, retryable: false });
