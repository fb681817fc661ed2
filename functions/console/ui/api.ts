/**
 * The console's only way to the API: same origin, the key from `sessionStorage` as a bearer
 * token (never in a URL), and the API's own error message on failure.
 */

const KEY = "twelve.apiKey";

/** The path the API lives under: whatever precedes `/console` (a stage name, or nothing). */
export const base = location.pathname.slice(0, Math.max(0, location.pathname.indexOf("/console")));

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  save: (key: string): void => sessionStorage.setItem(KEY, key),
  clear: (): void => sessionStorage.removeItem(KEY),
};

/** An API answer with a 4xx or 5xx: `message` is the API's, as it sent it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Called when the API refuses the key (401), so the app can ask for another. */
let onUnauthorized: (message: string) => void = () => {};
export const setUnauthorizedHandler = (handler: (message: string) => void): void => {
  onUnauthorized = handler;
};

/**
 * Calls the API. `key` overrides the stored one (signing in checks a key before keeping it).
 *
 * @example
 * const { agents } = await api<{ agents: AgentInfo[] }>("GET", "/agents");
 */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  key: string | null = session.key(),
): Promise<T> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers,
      cache: "no-store",
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, "network", "The API cannot be reached. Check your connection.");
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a gateway's own page): fall through to a generic message.
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const message = typeof error?.message === "string" ? error.message : `HTTP ${response.status}`;
    const code = typeof error?.code === "string" ? error.code : "http_error";
    if (response.status === 401 && key === session.key()) onUnauthorized(message);
    throw new ApiError(response.status, code, message);
  }
  return parsed as T;
}

/** The message to show for anything a call threw. */
export const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Whether the API answers without a key (a local stack run without `AGENT_API_KEY`): `GET
 * /agents` with no key gives the agents when it does, and `null` on a 401 (sign in).
 */
export async function agentsWithoutKey<T>(): Promise<T | null> {
  const response = await fetch(`${base}/agents`, { cache: "no-store" });
  if (response.status === 401) return null;
  if (!response.ok) throw new ApiError(response.status, "http_error", `HTTP ${response.status}`);
  return (await response.json()) as T;
}
