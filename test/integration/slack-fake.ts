import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { signSlack } from "../../functions/api/slack/signature.ts";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const TOKEN = "xoxb-test-token";

export interface Call {
  method: string;
  token: string | undefined;
  body: Record<string, unknown>;
}
export interface Posted {
  channel: string;
  ts: string;
  text?: string;
  thread_ts?: string;
  blocks?: {
    type: string;
    elements?: { text: { text: string }; action_id: string; value: string }[];
  }[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** Form fields the SDK sends JSON-encoded (blocks, metadata, view) are decoded back. */
const decode = (value: string): unknown => {
  try {
    return /^[[{]/.test(value) ? JSON.parse(value) : value;
  } catch {
    return value;
  }
};

/**
 * Slack's Web API at the wire, on 127.0.0.1: it records every call (form or JSON bodies, as the
 * SDK sends them), keeps posted messages per channel, and answers as Slack does.
 */
export async function startFakeSlack() {
  const calls: Call[] = [];
  const messages: Posted[] = [];
  let clock = 1_700_000_000;
  const server: Server = createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk: Buffer) => {
      raw += chunk.toString();
    });
    request.on("end", () => {
      const method = (request.url ?? "").replace(/^\/api\//, "").split("?")[0] ?? "";
      const body: Record<string, unknown> = String(request.headers["content-type"]).includes("json")
        ? (JSON.parse(raw || "{}") as Record<string, unknown>)
        : Object.fromEntries([...new URLSearchParams(raw)].map(([k, v]) => [k, decode(v)]));
      calls.push({ method, token: request.headers.authorization?.replace("Bearer ", ""), body });
      const channel = String(body.channel ?? "");
      let answer: Record<string, unknown> = { ok: true };
      if (method === "chat.postMessage") {
        const ts = `${++clock}.000100`;
        messages.push({ ...(body as Omit<Posted, "ts">), channel, ts });
        answer = { ok: true, channel, ts, message: { ts } };
      } else if (method === "chat.update") {
        answer = { ok: true, channel, ts: body.ts };
      } else if (method === "chat.postEphemeral") {
        answer = { ok: true, message_ts: `${++clock}.000200` };
      } else if (method === "views.open") {
        answer = { ok: true, view: { id: "V0MODAL", ...(body.view as object) } };
      } else if (method === "conversations.history") {
        const inChannel = messages.filter((m) => m.channel === channel && !m.thread_ts);
        answer = { ok: true, messages: inChannel.reverse() };
      } else if (method === "conversations.replies") {
        const parent = messages.filter((m) => m.ts === body.ts);
        const replies = messages.filter((m) => m.thread_ts === body.ts);
        answer = { ok: true, messages: [...parent, ...replies] };
      } else {
        answer = { ok: false, error: "unknown_method" };
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    messages,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A request to the stack's `/slack/*`, signed as Slack signs it (`at`: seconds, default now). */
export async function fromSlack(
  base: string,
  path: string,
  body: string,
  options: {
    secret?: string;
    at?: number;
    unsigned?: boolean;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; text: string }> {
  const timestamp = String(options.at ?? Math.floor(Date.now() / 1000));
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: {
      "content-type": path.endsWith("interactions")
        ? "application/x-www-form-urlencoded"
        : "application/json",
      ...(options.unsigned
        ? {}
        : {
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signSlack(options.secret ?? SIGNING_SECRET, timestamp, body),
          }),
      ...options.headers,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** Polls `find` until it answers (notices are delivered beside the step). */
export async function eventually<T>(find: () => T | undefined, what: string): Promise<T> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never saw ${what}`);
}
