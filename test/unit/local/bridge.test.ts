import { IncomingMessage } from "node:http";
import { type AddressInfo, Socket } from "node:net";
import { APIGatewayProxyEventV2Schema } from "@aws-lambda-powertools/parser/schemas";
import { describe, expect, it } from "vitest";
import { startHttpBridge, toEvent } from "../../../infra/local/http-bridge.ts";
import { rateMs } from "../../../infra/local/scheduler.ts";

function request(method: string, url: string, headers: Record<string, string>) {
  const message = new IncomingMessage(new Socket());
  message.method = method;
  message.url = url;
  message.headers = headers;
  message.httpVersion = "1.1";
  return message;
}

describe("Function: toEvent (the local API Gateway)", () => {
  it("builds an HTTP API payload 2.0 event that Powertools' schema accepts", () => {
    const event = toEvent(
      request("POST", "/threads?status=done&limit=5", {
        "Content-Type": "application/json",
        host: "localhost:3000",
      }),
      Buffer.from('{"agent":"calculator"}'),
    );
    expect(APIGatewayProxyEventV2Schema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      version: "2.0",
      rawPath: "/threads",
      rawQueryString: "status=done&limit=5",
      queryStringParameters: { status: "done", limit: "5" },
      headers: { "content-type": "application/json" },
      requestContext: { http: { method: "POST", path: "/threads" } },
      body: '{"agent":"calculator"}',
      isBase64Encoded: false,
    });
  });

  it("base64-encodes a body that is not UTF-8 text", () => {
    const event = toEvent(request("POST", "/threads", {}), Buffer.from([0xff, 0xfe, 0x00]));
    expect(event).toMatchObject({ body: "//4A", isBase64Encoded: true });
  });
});

describe("Function: startHttpBridge (its own edge)", () => {
  it("reads runs of slashes as one: //threads/x is /threads/x, not host threads", () => {
    const event = toEvent(request("GET", "//threads//thr_1?x=//y", {}), Buffer.alloc(0));
    expect(event).toMatchObject({ rawPath: "/threads/thr_1", rawQueryString: "x=//y" });
  });

  it("answers a handler's failure with a generic 500 and keeps the detail in the log", async () => {
    // Prepare
    const lines: string[] = [];
    const server = await startHttpBridge(
      async () => {
        throw new Error("connect ECONNREFUSED 10.0.0.7:5432");
      },
      0,
      (line) => lines.push(line),
    );
    const { port } = server.address() as AddressInfo;

    // Act
    const response = await fetch(`http://127.0.0.1:${port}/threads`);
    const text = await response.text();
    server.close();

    // Assess
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      error: { code: "internal", message: "internal error; the request may be retried" },
    });
    expect(text).not.toContain("10.0.0.7");
    expect(lines).toEqual([expect.stringContaining("ECONNREFUSED 10.0.0.7")]);
  });

  it("answers HEAD as GET, without the body", async () => {
    // Prepare
    const methods: string[] = [];
    const server = await startHttpBridge(async (event) => {
      methods.push(event.requestContext.http.method);
      return { statusCode: 200, headers: { "content-type": "text/html" }, body: "<html>" };
    }, 0);
    const { port } = server.address() as AddressInfo;

    // Act
    const response = await fetch(`http://127.0.0.1:${port}/console`, { method: "HEAD" });
    server.close();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html");
    expect(methods).toEqual(["GET"]);
  });
});

describe("Function: rateMs (the local scheduler)", () => {
  it("reads rate() expressions and leaves cron() to AWS", () => {
    expect(rateMs("rate(1 day)")).toBe(86_400_000);
    expect(rateMs("rate(5 minutes)")).toBe(300_000);
    expect(rateMs("rate(2 hours)")).toBe(7_200_000);
    expect(rateMs("cron(0 9 * * ? *)")).toBeNull();
  });
});
