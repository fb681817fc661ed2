import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApiHandler } from "../../functions/api/app.ts";
import { anyBody, anyJson, type HttpCase, text, toEvent } from "./arbitraries.ts";
import { difference, freshWorld, runs, silentLogger, snapshot, timeout } from "./world.ts";

/*
 * POST /mcp under hostile input, through the real API handler with in-memory ports: never a
 * 5xx, every 4xx a JSON body with an error message, and no thread changes unless the body
 * called a tool (tools/call).
 */

const API_KEY = "property-mcp-key-0123456789abcdef";

/** The envelope a 2026-07-28 client sends with every request. */
const MODERN = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

const jsonRpcId = fc.oneof(fc.integer(), text(8), fc.constant(null), anyJson);
const method = fc.oneof(
  { arbitrary: fc.constantFrom("tools/list", "tools/call"), weight: 4 },
  fc.constantFrom("initialize", "server/discover", "ping", "notifications/initialized"),
  text(20),
);
const toolName = fc.oneof(
  fc.constantFrom("calculator", "deploybot", "get_thread", "answer_thread", "message_thread"),
  text(12),
);
const envelope = fc.record(
  {
    "io.modelcontextprotocol/protocolVersion": fc.oneof(
      fc.constantFrom("2026-07-28", "2025-06-18", "1999-01-01"),
      anyJson,
    ),
    "io.modelcontextprotocol/clientCapabilities": anyJson,
    "io.modelcontextprotocol/clientInfo": fc.oneof(
      fc.constant({ name: "c", version: "1" }),
      anyJson,
    ),
  },
  { requiredKeys: [] },
);
const params = fc.oneof(
  fc.record(
    {
      name: toolName,
      arguments: fc.oneof(
        fc.record(
          {
            message: fc.oneof(text(40), anyJson),
            threadId: fc.oneof(text(30), anyJson),
            callId: text(10),
            approved: fc.oneof(fc.boolean(), anyJson),
            metadata: anyJson,
          },
          { requiredKeys: [] },
        ),
        anyJson,
      ),
      _meta: fc.oneof({ arbitrary: fc.constant(MODERN), weight: 4 }, envelope, anyJson),
    },
    { requiredKeys: [] },
  ),
  anyJson,
);
const message = fc.record(
  {
    jsonrpc: fc.oneof({ arbitrary: fc.constant("2.0"), weight: 5 }, anyJson),
    id: jsonRpcId,
    method,
    params,
  },
  { requiredKeys: [] },
);
const mcpBody: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: message.map((m) => JSON.stringify(m)), weight: 6 },
  fc.array(message, { maxLength: 3 }).map((batch) => JSON.stringify(batch)),
  anyBody,
);
const mcpHeaders = fc
  .record(
    {
      "content-type": fc.oneof(
        { arbitrary: fc.constant("application/json"), weight: 5 },
        fc.constantFrom("text/plain", "application/json; charset=utf-8", ""),
        text(20),
      ),
      accept: fc.oneof(
        { arbitrary: fc.constant("application/json, text/event-stream"), weight: 5 },
        fc.constantFrom("application/json", "text/event-stream", "*/*", ""),
        text(20),
      ),
      "mcp-protocol-version": fc.oneof(fc.constantFrom("2026-07-28", "2025-06-18"), text(12)),
    },
    { requiredKeys: [] },
  )
  .map((headers) => ({ ...headers, authorization: `Bearer ${API_KEY}` }));

const mcpCase: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.constant("POST"),
  path: fc.constant("/mcp"),
  query: fc.constant(undefined),
  headers: mcpHeaders,
  body: mcpBody,
  base64: fc.constant("no" as const),
});

/** Whether the body, as the API reads it, asks for a tool to run (alone or in a batch). */
function callsATool(body: string | undefined): boolean {
  let value: unknown;
  try {
    value = JSON.parse(body ?? "");
  } catch {
    return false;
  }
  const messages = Array.isArray(value) ? value : [value];
  return messages.some(
    (m) =>
      typeof m === "object" && m !== null && (m as { method?: unknown }).method === "tools/call",
  );
}

describe("POST /mcp under hostile input (property-based)", () => {
  it(
    "never answers 5xx, answers every 4xx as JSON with an error, and changes threads only for tools/call",
    async () => {
      const tally = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(mcpCase, async (request) => {
          const world = await freshWorld();
          const handler = createApiHandler(world.deps, {
            apiKey: API_KEY,
            maxBodyBytes: 64 * 1024,
            logger: silentLogger,
          });
          const before = await snapshot(world);
          const response = await handler(toEvent(request));
          const after = await snapshot(world);
          const status = response.statusCode ?? 0;
          tally.set(status, (tally.get(status) ?? 0) + 1);

          expect(status, `a 5xx is a bug: ${response.body}`).toBeLessThan(500);
          expect(status).toBeGreaterThanOrEqual(200);
          if (status >= 400) {
            const contentType = String(response.headers?.["content-type"] ?? "");
            expect(contentType).toMatch(/^application\/json/);
            expect(JSON.parse(response.body ?? "")).toMatchObject({
              error: { message: expect.any(String) },
            });
          }
          if (!callsATool(request.body)) {
            expect(
              difference(before, after),
              "a request without tools/call changed state",
            ).toBeNull();
          }
        }),
        runs(150),
      );
      expect(tally.size).toBeGreaterThan(2);
    },
    timeout * 3,
  );
});
