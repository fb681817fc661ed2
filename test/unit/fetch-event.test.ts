import { describe, expect, it } from "vitest";
import {
  GATEWAY_LIMIT_BYTES,
  requestToEvent,
  resultToResponse,
} from "../../functions/http/fetch-event.ts";

describe("Function: requestToEvent", () => {
  it("gives the API Gateway v2 shape: path, query, lower-case headers, text body", async () => {
    const event = await requestToEvent(
      new Request("http://api.example.com//threads?status=done&status=failed&limit=5", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Forwarded-For": "10.0.0.9, 10.0.0.1" },
        body: '{"agent":"calculator"}',
      }),
    );
    expect(event).toMatchObject({
      rawPath: "/threads",
      rawQueryString: "status=done&status=failed&limit=5",
      queryStringParameters: { status: "done,failed", limit: "5" },
      headers: { "content-type": "application/json" },
      body: '{"agent":"calculator"}',
      isBase64Encoded: false,
      requestContext: {
        domainName: "api.example.com",
        http: { method: "POST", path: "/threads", sourceIp: "10.0.0.9" },
      },
    });
  });

  it("passes a body that is not UTF-8 as base64, reads HEAD as GET, and refuses a body over the limit", async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00]);
    const binary = await requestToEvent(
      new Request("http://localhost/hooks/x", { method: "POST", body: bytes }),
    );
    expect(binary).toMatchObject({ body: "//4A", isBase64Encoded: true });
    const head = await requestToEvent(new Request("http://localhost/health", { method: "HEAD" }));
    expect(head?.requestContext.http.method).toBe("GET");
    expect(head?.body).toBeUndefined();
    const huge = new Uint8Array(GATEWAY_LIMIT_BYTES + 1);
    expect(
      await requestToEvent(new Request("http://localhost/threads", { method: "POST", body: huge })),
    ).toBeNull();
  });
});

describe("Function: resultToResponse", () => {
  it("keeps status, headers and body; a HEAD or a 204 has no body", async () => {
    const result = {
      statusCode: 201,
      headers: { "content-type": "application/json", "x-n": "1" },
      body: '{"ok":true}',
    };
    const response = resultToResponse(result, "POST");
    expect(response.status).toBe(201);
    expect(response.headers.get("x-n")).toBe("1");
    expect(await response.json()).toEqual({ ok: true });
    expect(await resultToResponse(result, "HEAD").text()).toBe("");
    expect(resultToResponse({ statusCode: 204 }, "DELETE").status).toBe(204);
    const binary = resultToResponse(
      { statusCode: 200, body: "//4A", isBase64Encoded: true },
      "GET",
    );
    expect(new Uint8Array(await binary.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xfe, 0x00]));
  });
});
