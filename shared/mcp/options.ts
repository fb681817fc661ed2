import { ConfigError } from "../core/errors.ts";

/** What the approval predicate is told of a tool: its name on the server and its annotations. */
export interface McpToolInfo {
  /** The tool's name as the server lists it (before any `prefix`). */
  name: string;
  annotations?: {
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
    title?: string;
  };
}

/** Request headers: fixed, or computed for each request (a token read from a secret store). */
export type McpHeaders =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>);

interface CommonOptions {
  /** Unique among an agent's servers: named in errors, events and the console. */
  name: string;
  /** Only these tools (names as the server lists them); a name the server does not list is an error. */
  include?: readonly string[];
  /** Every tool but these. */
  exclude?: readonly string[];
  /**
   * Which tools wait for a person's approval before they run: names as the server lists them,
   * or a predicate. Default: those the server annotates `destructiveHint: true` and not
   * `readOnlyHint: true`.
   */
  approval?: readonly string[] | ((tool: McpToolInfo) => boolean);
  /**
   * Put before each tool's name as the model sees it (`prefix: "crm"`: `crm_search`): resolves a
   * name two servers (or a server and the agent's own tools) share.
   */
  prefix?: string;
  /** Milliseconds one request to the server may take. Default 30000. */
  timeoutMs?: number;
  /**
   * Milliseconds a tool list is kept when the server gives no cache hint of its own (`ttlMs` of
   * the 2026-07-28 revision, which is honoured when present). Default 60000.
   */
  cacheTtlMs?: number;
}

/** A server reached over streamable HTTP: what Lambda and every host can use. */
export interface McpHttpServerOptions extends CommonOptions {
  url: string | URL;
  /** Sent with every request: `{ authorization: "Bearer ..." }`, or a function called per request. */
  headers?: McpHeaders;
  command?: undefined;
}

/**
 * A server started as a child process speaking stdio: for `createRunner` and `twelve dev` on a
 * machine that has the command. Lambda functions want HTTP servers.
 */
export interface McpStdioServerOptions extends CommonOptions {
  command: string;
  args?: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  url?: undefined;
  headers?: undefined;
}

export type McpServerOptions = McpHttpServerOptions | McpStdioServerOptions;

const NAME = /^[a-zA-Z0-9_-]{1,32}$/;

/** The options, checked once at definition: a mistake fails the agents module's import, by name. */
export function checkOptions(options: McpServerOptions): McpServerOptions {
  const { name } = options ?? {};
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new ConfigError(`mcpServer: name must match ${NAME}, got ${JSON.stringify(name)}`);
  }
  const where = `mcpServer "${name}"`;
  if ((options.url === undefined) === (options.command === undefined)) {
    throw new ConfigError(`${where}: give either url (streamable HTTP) or command (stdio)`);
  }
  if (options.url !== undefined) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (cause) {
      throw new ConfigError(`${where}: url is not a URL: ${String(options.url)}`, { cause });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigError(`${where}: url must be http: or https:, got ${url.protocol}`);
    }
  }
  if (options.prefix !== undefined && !/^[a-zA-Z0-9_-]{1,32}$/.test(options.prefix)) {
    throw new ConfigError(`${where}: prefix must be letters, digits, _ or - (at most 32)`);
  }
  for (const key of ["timeoutMs", "cacheTtlMs"] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new ConfigError(`${where}: ${key} must be a non-negative integer of milliseconds`);
    }
  }
  const { approval } = options;
  if (approval !== undefined && typeof approval !== "function" && !Array.isArray(approval)) {
    throw new ConfigError(`${where}: approval must be a list of tool names or a function`);
  }
  return options;
}
