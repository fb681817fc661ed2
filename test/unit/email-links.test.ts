import { describe, expect, it } from "vitest";
import { type LinkClaims, signLink, verifyLink } from "../../functions/channels/email/links.ts";
import { hashArgs } from "../../shared/core/hash.ts";

const SECRET = "0123456789abcdef0123456789abcdef";
const NOW = new Date("2026-01-01T00:00:00Z");
const claims: LinkClaims = {
  kind: "approval",
  threadId: "thr_1",
  callId: "call_1",
  argsHash: hashArgs({ a: 8, b: 2 }),
  recipient: "ops@example.com",
  expiresAt: NOW.getTime() / 1000 + 60,
};

describe("Function: verifyLink", () => {
  it("gives back the claims of a link it signed, until it expires", () => {
    const token = signLink(SECRET, claims);
    expect(verifyLink(SECRET, token, NOW)).toEqual({ ok: true, claims });
    expect(verifyLink(SECRET, token, new Date(NOW.getTime() + 60_000))).toEqual({
      ok: false,
      problem: "expired",
    });
  });

  it("refuses a link signed with another key, or with any claim changed", () => {
    const token = signLink(SECRET, claims);
    expect(verifyLink("another-key-another-key-another-key", token, NOW)).toMatchObject({
      problem: "bad_signature",
    });
    const [, signature] = token.split(".");
    for (const change of [
      { recipient: "mallory@example.com" },
      { callId: "call_2" },
      { argsHash: hashArgs({ a: 8, b: 0 }) },
      { expiresAt: claims.expiresAt + 3600 },
      { threadId: "thr_2" },
    ]) {
      const forged = Buffer.from(JSON.stringify({ ...claims, ...change })).toString("base64url");
      expect(verifyLink(SECRET, `${forged}.${signature}`, NOW)).toMatchObject({
        problem: "bad_signature",
      });
    }
  });

  it("refuses a damaged token as malformed", () => {
    for (const token of ["", "abc", "a.b.c", `${signLink(SECRET, claims)}.x`]) {
      expect(verifyLink(SECRET, token, NOW)).toMatchObject({ ok: false });
    }
    expect(verifyLink(SECRET, "abc", NOW)).toEqual({ ok: false, problem: "malformed" });
  });
});
