/** `twelve-agents/mcp`: tools from MCP servers, for `defineAgent({ tools, mcp: [...] })`. */
export type {
  McpHeaders,
  McpHttpServerOptions,
  McpServerOptions,
  McpStdioServerOptions,
  McpToolInfo,
} from "./options.ts";
export { type McpServerSource, mcpServer } from "./server.ts";
export { IDEMPOTENCY_META_KEY } from "./tools.ts";
