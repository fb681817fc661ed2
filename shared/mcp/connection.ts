import type { ChildProcess } from "node:child_process";
import {
  Client,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import type { McpServerOptions } from "./options.ts";

/** The client's name and version as the server sees them. */
const CLIENT_INFO = { name: "twelve-agents", version: "1" };

/**
 * One connection to one MCP server, opened on first use and kept for the process. Stateless
 * servers (the 2026-07-28 revision) need nothing more; a server that keeps sessions gets one
 * session, reused, and opened once more when it answers `404` (its session expired or it
 * restarted). A failed connect is forgotten, so the next request tries again, and so is a
 * connection that closed (a stdio server's process that died) or that can no longer be used (a
 * session whose server went away): the next request starts a new process or opens a new session.
 */
export class McpConnection {
  private client: Promise<Client> | undefined;
  private readonly options: McpServerOptions;
  /** Requests in flight: a stdio server's process holds the host open only while one is. */
  private inFlight = 0;

  constructor(options: McpServerOptions) {
    this.options = options;
  }

  /**
   * Runs `request` on the connected client; a session that expired is opened again, once. A
   * `safe` request (one with no side effect: a listing) that met a connection that had just
   * closed is sent once more on a new one, and so is any request the client refused as not
   * connected: that one never left the process, so sending it again cannot run it twice.
   */
  async request<T>(request: (client: Client) => Promise<T>, safe = false): Promise<T> {
    this.hold(++this.inFlight > 0);
    try {
      const client = await this.connected();
      try {
        return await request(client);
      } catch (error) {
        const unusable = this.unusable(client, error);
        const expired = error instanceof SdkHttpError && error.status === 404;
        const unsent = notConnected(error);
        const again = (expired && this.hasSession(client)) || (unusable && (safe || unsent));
        if (unusable || again) await this.reset(client);
        if (!again) throw error;
        return await request(await this.connected());
      }
    } finally {
      this.hold(--this.inFlight > 0);
    }
  }

  /** Closes the connection (a stdio server's process ends); the next request opens a new one. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await (await client?.catch(() => undefined))?.close();
  }

  private connected(): Promise<Client> {
    if (!this.client) {
      const opening = this.open();
      this.client = opening;
      opening.then(
        (client) => {
          // The transport closed by itself (the process died): forget it, the next request
          // opens a new one instead of failing "Not connected" for the rest of the process.
          client.onclose = () => {
            if (this.client === opening) this.client = undefined;
          };
        },
        () => {
          if (this.client === opening) this.client = undefined;
        },
      );
    }
    return this.client;
  }

  private async open(): Promise<Client> {
    // `auto`: the 2026-07-28 revision (stateless, no handshake) where the server speaks it, the
    // 2025 handshake (and its session, if the server keeps one) where it does not.
    const client = new Client(CLIENT_INFO, { versionNegotiation: { mode: "auto" } });
    const timeout = this.options.timeoutMs ?? 30_000;
    await client.connect(await this.transport(), { timeout });
    return client;
  }

  private async transport() {
    const { options } = this;
    if (options.command !== undefined) {
      // Imported only for stdio servers, so an HTTP-only agent never loads it (the package
      // ships it: `@modelcontextprotocol/client/stdio`).
      const { StdioClientTransport } = await import("@modelcontextprotocol/client/stdio");
      return new StdioClientTransport({
        command: options.command,
        args: [...(options.args ?? [])],
        ...(options.env ? { env: options.env } : {}),
        ...(options.cwd ? { cwd: options.cwd } : {}),
        stderr: "ignore",
      });
    }
    const { headers } = options;
    return new StreamableHTTPClientTransport(new URL(options.url), {
      // Headers per request: a function is called each time (a token that rotates).
      fetch: async (input, init) => {
        const extra = typeof headers === "function" ? await headers() : (headers ?? {});
        const merged = new Headers(init?.headers);
        for (const [key, value] of Object.entries(extra)) merged.set(key, value);
        return fetch(input, { ...init, headers: merged });
      },
    });
  }

  /**
   * Whether a stdio server's process (and its pipes) keeps the host's event loop alive: while a
   * request waits on it, yes; idle, no, so a script that ran its agent with `createRunner` exits
   * when it is done (the server's process ends with it) without having to close anything.
   */
  private hold(busy: boolean): void {
    if (this.options.command === undefined) return;
    void this.client?.then(
      (client) => {
        const child = (client.transport as { _process?: ChildProcess } | undefined)?._process;
        for (const handle of [child, child?.stdin, child?.stdout, child?.stderr]) {
          const ref = handle as { ref?: () => void; unref?: () => void } | null | undefined;
          if (busy) ref?.ref?.();
          else ref?.unref?.();
        }
      },
      () => undefined,
    );
  }

  /**
   * Whether `error` says the connection cannot serve another request: its transport closed or
   * is gone, or (for a session) the server could not be reached, so the session is lost too.
   */
  private unusable(client: Client, error: unknown): boolean {
    if (notConnected(error)) return true;
    if (error instanceof SdkError) {
      return (
        error.code === SdkErrorCode.ConnectionClosed ||
        (error.code === SdkErrorCode.SendFailed && this.hasSession(client))
      );
    }
    return error instanceof TypeError && this.hasSession(client);
  }

  private hasSession(client: Client): boolean {
    const transport = client.transport as { sessionId?: string } | undefined;
    return typeof transport?.sessionId === "string";
  }

  private async reset(client: Client): Promise<void> {
    const current = await this.client?.catch(() => undefined);
    if (current === client) this.client = undefined;
    await client.close().catch(() => undefined);
  }
}

/**
 * Whether the client refused a request because its transport is closed: the request never left
 * the process. The SDK says so with its `NotConnected` code, or (a request it sends through its
 * codec) with a plain `Error("Not connected")`.
 */
export function notConnected(error: unknown): boolean {
  if (error instanceof SdkError) return error.code === SdkErrorCode.NotConnected;
  return error instanceof Error && error.message === "Not connected";
}
