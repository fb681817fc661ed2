import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { principalOf } from "../../functions/api/principal.ts";

/** A payload 2.0 request whose `requestContext.authorizer` is `authorizer`. */
const event = (authorizer?: unknown): APIGatewayProxyEventV2 =>
  ({
    version: "2.0",
    rawPath: "/threads",
    headers: {},
    requestContext: { http: { method: "POST", path: "/threads" }, authorizer },
  }) as unknown as APIGatewayProxyEventV2;

describe("Function: principalOf", () => {
  it("is the key name the deployed Lambda authorizer passed on", () => {
    expect(principalOf(event({ lambda: { principal: "ci-bot" } }), undefined)).toBe("ci-bot");
  });

  it("is the JWT's sub, and the sub then the email when the token has one", () => {
    const sub = "8f2c1d7e-0000-4000-8000-123456789abc";
    expect(principalOf(event({ jwt: { claims: { sub }, scopes: null } }), undefined)).toBe(sub);
    expect(
      principalOf(event({ jwt: { claims: { sub, email: "alice@example.com" } } }), undefined),
    ).toBe(`${sub} alice@example.com`);
  });

  it("is the local stack's matched key name when no gateway authorizer ran", () => {
    expect(principalOf(event(), "alice")).toBe("alice");
    expect(principalOf(event({ lambda: { principal: "" } }), "alice")).toBe("alice");
  });

  it("is anonymous without auth, and ignores claims that are not usable", () => {
    expect(principalOf(event(), undefined)).toBe("anonymous");
    expect(principalOf(event({ jwt: { claims: { email: "a@example.com" } } }), undefined)).toBe(
      "anonymous",
    );
    expect(principalOf(event({ lambda: { principal: 42 } }), undefined)).toBe("anonymous");
  });
});
