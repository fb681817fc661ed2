import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createAuthorizer } from "../../functions/authorizer/app.ts";
import { ConfigError } from "../../shared/core/errors.ts";

const KEY = "k3y-0f-at-least-sixteen-characters";
const ALLOWED = { isAuthorized: true, context: { principal: "api-key" } };

/** An HTTP API (payload 2.0) request authorizer event; header names arrive lowercased. */
const event = (authorization?: string): APIGatewayRequestAuthorizerEventV2 =>
  ({
    version: "2.0",
    type: "REQUEST",
    routeArn: "arn:aws:execute-api:us-east-1:123456789012:api/$default/POST/threads",
    identitySource: authorization ? [authorization] : [],
    routeKey: "POST /threads",
    headers: authorization ? { authorization } : {},
  }) as unknown as APIGatewayRequestAuthorizerEventV2;

describe("Function: authorizer", () => {
  it("lets a request with the bearer key through, as the key named api-key", async () => {
    const authorize = createAuthorizer(async () => KEY);
    expect(await authorize(event(`Bearer ${KEY}`))).toEqual(ALLOWED);
  });

  it("passes the name of the matching key on as the principal (a JSON secret)", async () => {
    const keys = { alice: "alice-key-0123456789abcdef", "ci-bot": "ci-bot-key-0123456789abcdef" };
    const authorize = createAuthorizer(async () => JSON.stringify(keys));
    for (const [principal, key] of Object.entries(keys)) {
      expect(await authorize(event(`Bearer ${key}`))).toEqual({
        isAuthorized: true,
        context: { principal },
      });
    }
    expect(await authorize(event(`Bearer ${KEY}`))).toEqual({ isAuthorized: false });
  });

  it("reads a plain secret as before, whitespace around it ignored", async () => {
    const authorize = createAuthorizer(async () => `${KEY}\n`);
    expect(await authorize(event(`Bearer ${KEY}`))).toEqual(ALLOWED);
  });

  it("honours a rotated secret: the keys are read again from each new value", async () => {
    let secret = JSON.stringify({ alice: KEY });
    const authorize = createAuthorizer(async () => secret);
    expect(await authorize(event(`Bearer ${KEY}`))).toMatchObject({
      context: { principal: "alice" },
    });
    secret = JSON.stringify({ bob: KEY });
    expect(await authorize(event(`Bearer ${KEY}`))).toMatchObject({
      context: { principal: "bob" },
    });
  });

  it("takes the scheme in any case (RFC 9110), the key only as it is", async () => {
    const authorize = createAuthorizer(async () => KEY);
    for (const scheme of ["bearer", "BEARER", "bEaReR"]) {
      expect(await authorize(event(`${scheme} ${KEY}`))).toEqual(ALLOWED);
    }
    expect(await authorize(event(`bearer ${KEY.toUpperCase()}`))).toEqual({ isAuthorized: false });
  });

  it("refuses a wrong key, another scheme, and no header at all", async () => {
    const authorize = createAuthorizer(async () => KEY);
    for (const header of [`Bearer ${KEY}x`, `Bearer ${KEY.slice(1)}`, `Basic ${KEY}`, undefined]) {
      expect(await authorize(event(header))).toEqual({ isAuthorized: false });
    }
  });

  it("does not read the key for a request without a bearer token", async () => {
    let reads = 0;
    const authorize = createAuthorizer(async () => {
      reads++;
      return KEY;
    });
    await authorize(event());
    expect(reads).toBe(0);
  });

  it("fails loudly when the secret holds no usable key, rather than comparing with it", async () => {
    for (const secret of [
      "",
      "short",
      '{"alice": "short"}',
      '{"a": "same-key-0123456789", "b": "same-key-0123456789"}',
    ]) {
      const authorize = createAuthorizer(async () => secret);
      await expect(authorize(event("Bearer anything-at-all-here"))).rejects.toThrow(ConfigError);
    }
  });
});
