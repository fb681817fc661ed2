import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { HttpError } from "../../functions/api/http.ts";
import { bodyText, parse } from "../../functions/api/request.ts";
import {
  idempotencyKey,
  listQuery,
  queryInteger,
  responseBody,
} from "../../functions/api/schemas.ts";
import { eventsQuery } from "../../functions/api/thread-routes.ts";

const event = (body: Buffer | string): APIGatewayProxyEventV2 =>
  (typeof body === "string"
    ? { body, isBase64Encoded: false }
    : { body: body.toString("base64"), isBase64Encoded: true }) as APIGatewayProxyEventV2;

const failure = (run: () => unknown): HttpError => {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("expected an HttpError");
};

describe("Function: bodyText", () => {
  it("decodes a base64 body of UTF-8", () => {
    expect(bodyText(event(Buffer.from('{"message": "café ☕"}')), 1_000)).toBe(
      '{"message": "café ☕"}',
    );
  });

  it("refuses bytes that are not UTF-8 rather than storing U+FFFD", () => {
    for (const bytes of [[0xe9], [0xc3], [0xed, 0xa0, 0x80], [0xff, 0xfe]]) {
      const error = failure(() => bodyText(event(Buffer.from(bytes)), 1_000));
      expect(error).toMatchObject({ code: "invalid_encoding", status: 400 });
    }
  });

  it("counts the limit in bytes, before decoding", () => {
    const error = failure(() => bodyText(event(Buffer.alloc(11, 0xff)), 10));
    expect(error).toMatchObject({ code: "payload_too_large", status: 413 });
  });
});

describe("Function: parse", () => {
  // (A union whose one branch fits but for a value reports that branch's problem alone.)
  it("names what it parses: a header, a query parameter, a body field", () => {
    expect(
      failure(() => parse(idempotencyKey, "", "invalid_header", "header Idempotency-Key")).message,
    ).toBe("header Idempotency-Key: expected 1-128 printable ASCII characters");
    expect(failure(() => parse(listQuery, { limit: "0" }, "invalid_query", "query")).message).toBe(
      'query parameter "limit": expected an integer from 1 to 100, got "0"',
    );
    expect(
      failure(() => parse(responseBody, { callId: "c", response: "" }, "invalid_body")).message,
    ).toBe('body field "response": expected string to have >=1 characters');
  });
});

describe("Function: queryInteger", () => {
  it("reads decimal digits within its bounds", () => {
    const limit = queryInteger(1, 100);
    expect(limit.parse("1")).toBe(1);
    expect(limit.parse("0100")).toBe(100);
  });

  it("refuses every other spelling of a number, naming the bounds", () => {
    for (const text of ["1e1", "0x5", "+5", "-5", " 5", "5 ", "5.0", "", "Infinity", "1_0"]) {
      expect(
        failure(() => parse(listQuery, { limit: text }, "invalid_query", "query")).message,
        text,
      ).toBe(
        `query parameter "limit": expected an integer from 1 to 100, got ${JSON.stringify(text)}`,
      );
    }
    expect(
      failure(() => parse(listQuery, { limit: "101" }, "invalid_query", "query")).message,
    ).toContain("expected an integer from 1 to 100");
  });

  it("is the one parser of /threads and /threads/{id}/events: both read a limit alike", () => {
    for (const text of ["1e1", "0x5", "+5"]) {
      expect(listQuery.safeParse({ limit: text }).success, `/threads ${text}`).toBe(false);
      expect(eventsQuery.safeParse({ limit: text }).success, `/events ${text}`).toBe(false);
    }
    expect(listQuery.parse({ limit: "10" }).limit).toBe(10);
    expect(eventsQuery.parse({ limit: "10" })).toEqual({ after: 0, limit: 10 });
  });
});
