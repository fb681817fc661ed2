import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What DynamoDB answers when it pushes back, as its JSON protocol puts it on the wire (HTTP 400,
 * `application/x-amz-json-1.0`, the error's `__type`). DynamoDB Local never answers so; these
 * bodies are DynamoDB's own.
 */
export const dynamoFaults = {
  throughput: {
    __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    message:
      "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
  },
  throttling: {
    __type: "com.amazon.coral.availability#ThrottlingException",
    message: "Rate of requests exceeds the allowed throughput.",
  },
  requestLimit: {
    __type: "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
    message:
      "Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase",
  },
  /** A TransactWriteItems that met another transaction on its first item. */
  transactionConflict: "TransactionConflict",
  /** A TransactWriteItems whose first item was throttled. */
  transactionThrottled: "ThrottlingError",
} as const;
export type DynamoFault = keyof typeof dynamoFaults;

/** Which requests a rule answers with its fault instead of forwarding them. */
export interface FaultRule {
  /** The operation, as `X-Amz-Target` names it after the dot: `TransactWriteItems`, `Query`... */
  operation: string;
  fault: DynamoFault;
  /** How many matching requests get the fault (then they are forwarded). Default: all. */
  times?: number;
  /** Only requests whose JSON body contains this text. */
  bodyIncludes?: string;
}

/** One request the proxy saw: its operation, and whether it was answered with a fault. */
export interface SeenRequest {
  operation: string;
  fault?: DynamoFault;
}

/**
 * A small HTTP proxy on 127.0.0.1 in front of DynamoDB Local: the real SDK talks to it, and it
 * answers the requests its rules match with DynamoDB's error for them (the first `times` of
 * them), forwarding everything else unchanged. It records every request it saw.
 *
 * @example
 * const proxy = await startDynamoFaultProxy(inject("dynamoEndpoint"));
 * proxy.inject({ operation: "TransactWriteItems", fault: "throughput", times: 2 });
 * const store = new DynamoThreadStore({ tableName, clientConfig: { endpoint: proxy.endpoint } });
 */
export async function startDynamoFaultProxy(target: string) {
  const upstream = new URL(target);
  const rules: (FaultRule & { left: number })[] = [];
  const seen: SeenRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
    const text = body.toString("utf8");
    const rule = rules.find(
      (r) =>
        r.left > 0 &&
        r.operation === operation &&
        (r.bodyIncludes === undefined || text.includes(r.bodyIncludes)),
    );
    if (rule) {
      rule.left--;
      seen.push({ operation, fault: rule.fault });
      const answer = JSON.stringify(faultBody(rule.fault, text));
      res.writeHead(400, {
        "content-type": "application/x-amz-json-1.0",
        "content-length": Buffer.byteLength(answer),
        "x-amzn-requestid": randomUUID(),
      });
      res.end(answer);
      return;
    }
    seen.push({ operation });
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on("error", (error) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(String(error));
    });
    forwarded.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** Answers the next `times` requests matching `rule` with its fault. */
    inject(rule: FaultRule): void {
      rules.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    /** Forgets every rule and every request seen. */
    reset(): void {
      rules.length = 0;
      seen.length = 0;
    },
    /** Every request seen since the last reset, in order. */
    seen: (): readonly SeenRequest[] => [...seen],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type DynamoFaultProxy = Awaited<ReturnType<typeof startDynamoFaultProxy>>;

/** DynamoDB's error body for `fault` in answer to the request `body`. */
function faultBody(fault: DynamoFault, body: string): Record<string, unknown> {
  const spec = dynamoFaults[fault];
  if (typeof spec !== "string") return { ...spec };
  // A cancelled transaction names one reason per item, in order.
  const items = (JSON.parse(body) as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
  const codes = [spec, ...Array.from({ length: items - 1 }, () => "None")];
  const reasons = codes.map((code) =>
    code === "None"
      ? { Code: "None" }
      : {
          Code: code,
          Message:
            code === "TransactionConflict"
              ? "Transaction is ongoing for the item"
              : "Throughput exceeds the current capacity for one or more global secondary indexes. DynamoDB is automatically scaling your index so please try again shortly.",
        },
  );
  return {
    __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
    CancellationReasons: reasons,
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(", ")}]`,
  };
}
