import { randomUUID } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** An event the server accepted, in the shape a rule target would see it. */
export interface ReceivedEvent {
  eventId: string;
  /** The bus as sent (a name or an ARN); `"default"` when the entry named none, as in AWS. */
  eventBusName: string;
  source: string;
  detailType: string;
  /** The parsed `Detail` JSON object. */
  detail: Record<string, unknown>;
  resources: string[];
  /** ISO-8601: the entry's `Time` when set, else when the server received it. */
  time: string;
}

export interface EventBridgeServer {
  /** The URL to give the SDK as `endpoint`: `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Every accepted event, in order. */
  readonly entries: ReceivedEvent[];
  /** Makes every entry of the next PutEvents call fail with this code (calls queue up). */
  failNext(code: string, message: string): void;
  stop(): Promise<void>;
}

export interface EventBridgeServerOptions {
  /** The port to listen on (127.0.0.1); 0, the default, lets the OS pick. */
  port?: number;
  /** Called with each accepted event, after it is recorded (the local stack routes it on). */
  onEvent?: (event: ReceivedEvent) => void;
}

/** PutEvents limits, as documented: 10 entries and 256 KiB per call. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/**
 * A local HTTP server speaking EventBridge's JSON 1.1 protocol for `AWSEvents.PutEvents`, so the
 * real `@aws-sdk/client-eventbridge` can be pointed at it (`endpoint`, any region and credentials).
 * It checks what EventBridge checks first (entry count, size, required fields, `Detail` a JSON
 * object), records the accepted events and answers with an `EventId` each; `failNext` scripts an
 * entry failure. Any other operation answers `UnknownOperationException`.
 *
 * @example
 * const server = await startEventBridgeServer();
 * const client = new EventBridgeClient({
 *   endpoint: server.endpoint,
 *   region: "us-east-1",
 *   credentials: { accessKeyId: "local", secretAccessKey: "local" },
 * });
 * await client.send(new PutEventsCommand({ Entries: [{ Source: "app", DetailType: "x", Detail: "{}" }] }));
 * server.entries[0]?.detailType; // "x"
 * await server.stop();
 */
export async function startEventBridgeServer(
  options: EventBridgeServerOptions = {},
): Promise<EventBridgeServer> {
  const entries: ReceivedEvent[] = [];
  const failures: { code: string; message: string }[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const target = req.headers["x-amz-target"];
      if (req.method !== "POST" || target !== "AWSEvents.PutEvents") {
        return sendError(res, "UnknownOperationException", `unsupported operation: ${target}`);
      }
      let request: unknown;
      try {
        request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return sendError(res, "SerializationException", "the request body is not JSON");
      }
      const raw = (request as { Entries?: unknown } | null)?.Entries;
      if (!Array.isArray(raw) || raw.length < 1 || raw.length > MAX_ENTRIES) {
        return sendError(
          res,
          "ValidationException",
          `Entries must be an array of 1 to ${MAX_ENTRIES} entries`,
        );
      }
      const wire = raw as WireEntry[];
      if (wire.reduce((total, entry) => total + entrySize(entry), 0) > MAX_REQUEST_BYTES) {
        return sendError(
          res,
          "ValidationException",
          "Total size of the entries in the request is over the limit.",
        );
      }
      const failure = failures.shift();
      const results = wire.map((entry): ResultEntry => {
        if (failure) return { ErrorCode: failure.code, ErrorMessage: failure.message };
        const checked = checkEntry(entry);
        if ("ErrorCode" in checked) return checked;
        entries.push(checked);
        options.onEvent?.(checked);
        return { EventId: checked.eventId };
      });
      send(res, 200, {
        FailedEntryCount: results.filter((result) => "ErrorCode" in result).length,
        Entries: results,
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    entries,
    failNext: (code, message) => {
      failures.push({ code, message });
    },
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A PutEvents entry as the SDK serializes it (`Time` is epoch seconds on this protocol). */
interface WireEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}

type ResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

function checkEntry(entry: WireEntry): ReceivedEvent | { ErrorCode: string; ErrorMessage: string } {
  for (const field of ["Source", "DetailType", "Detail"] as const) {
    const value = entry[field];
    if (typeof value !== "string" || value === "") {
      return { ErrorCode: "InvalidArgument", ErrorMessage: `Parameter ${field} is not valid.` };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail as string);
  } catch {
    detail = undefined;
  }
  if (detail === null || typeof detail !== "object" || Array.isArray(detail)) {
    return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
  }
  const resources = Array.isArray(entry.Resources)
    ? entry.Resources.filter((item): item is string => typeof item === "string")
    : [];
  const time = typeof entry.Time === "number" ? new Date(entry.Time * 1000) : new Date();
  return {
    eventId: randomUUID(),
    eventBusName: typeof entry.EventBusName === "string" ? entry.EventBusName : "default",
    source: entry.Source as string,
    detailType: entry.DetailType as string,
    detail: detail as Record<string, unknown>,
    resources,
    time: time.toISOString(),
  };
}

/** How EventBridge sizes an entry: UTF-8 bytes of its text fields, plus 14 for a `Time`. */
function entrySize(entry: WireEntry): number {
  const bytes = (value: unknown) => (typeof value === "string" ? Buffer.byteLength(value) : 0);
  const resources = Array.isArray(entry.Resources)
    ? entry.Resources.reduce((total: number, item: unknown) => total + bytes(item), 0)
    : 0;
  return (
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources +
    (entry.Time === undefined ? 0 : 14)
  );
}

function sendError(res: ServerResponse, type: string, message: string): void {
  send(res, 400, { __type: type, message }, { "x-amzn-errortype": type });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "x-amzn-requestid": randomUUID(),
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/**
 * The event a rule's Lambda target receives in AWS, for an accepted entry: the envelope the
 * trigger parses with Powertools' EventBridge schema.
 */
export function toEventBridgeEnvelope(event: ReceivedEvent, region: string) {
  return {
    version: "0",
    id: event.eventId,
    "detail-type": event.detailType,
    source: event.source,
    account: "000000000000",
    time: event.time,
    region,
    resources: event.resources,
    detail: event.detail,
  };
}
