import { describe, expect, it } from "vitest";
import { type LinkClaims, signLink, verifyLink } from "../../shared/channels/email/links.ts";
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

describe("Function: verifyLink: only the canonical token", () => {
  // base64url decoding forgives padding, spaces and stray characters: each of these spellings
  // decodes to the signed bytes, so each one would pass as a second copy of the same link.
  it("refuses padding, spaces, stray characters and a last character's spare bits", () => {
    const token = signLink(SECRET, claims);
    const [payload = "", signature = ""] = token.split(".");
    const last = signature.at(-1) ?? "";
    // 32 bytes in 43 characters: the last one carries 2 spare bits, so its neighbour decodes alike.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const twin = alphabet[alphabet.indexOf(last) ^ 1] ?? "";
    for (const variant of [
      `${token}=`,
      `${token} `,
      `${token}%20`,
      `${payload}.${signature.slice(0, -1)}${twin}`,
      `${payload}.${signature.slice(0, 10)} ${signature.slice(10)}`,
      `${payload}.${signature.slice(0, 10)}+${signature.slice(10)}`,
      `${payload}=.${signature}`,
      ` ${token}`,
    ]) {
      expect(verifyLink(SECRET, variant, NOW), JSON.stringify(variant)).toEqual({
        ok: false,
        problem: "malformed",
      });
    }
    expect(verifyLink(SECRET, token, NOW)).toMatchObject({ ok: true });
  });
});
