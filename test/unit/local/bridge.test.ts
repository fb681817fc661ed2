import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { APIGatewayProxyEventV2Schema } from "@aws-lambda-powertools/parser/schemas";
import { describe, expect, it } from "vitest";
import { toEvent } from "../../../infra/local/http-bridge.ts";
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

describe("Function: rateMs (the local scheduler)", () => {
  it("reads rate() expressions and leaves cron() to AWS", () => {
    expect(rateMs("rate(1 day)")).toBe(86_400_000);
    expect(rateMs("rate(5 minutes)")).toBe(300_000);
    expect(rateMs("rate(2 hours)")).toBe(7_200_000);
    expect(rateMs("cron(0 9 * * ? *)")).toBeNull();
  });
});
