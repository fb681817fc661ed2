import { describe, expect, it } from "vitest";
import {
  approversOf,
  emailLinkSecret,
  readEmailConfig,
} from "../../shared/channels/email/config.ts";

const SECRET = "0123456789abcdef0123456789abcdef";
const base = {
  SMTP_URL: "smtp://127.0.0.1:1025",
  EMAIL_FROM: "Twelve <twelve@example.com>",
  EMAIL_LINK_SECRET: SECRET,
};

describe("Function: readEmailConfig", () => {
  it("is off without APPROVER_EMAILS", () => {
    expect(readEmailConfig({ ...base })).toBeNull();
    expect(readEmailConfig({ ...base, APPROVER_EMAILS: "" })).toBeNull();
  });

  it("reads a comma list as every agent's approvers", () => {
    const config = readEmailConfig({
      ...base,
      APPROVER_EMAILS: "ops@example.com, lead@example.com",
    });
    expect(config).toEqual({
      smtpUrl: "smtp://127.0.0.1:1025",
      from: "Twelve <twelve@example.com>",
      approvers: { "*": ["ops@example.com", "lead@example.com"] },
      linkSecret: SECRET,
      linkTtlSeconds: 86_400,
    });
  });

  it("reads JSON by agent: an agent's own list replaces the default", () => {
    const config = readEmailConfig({
      ...base,
      APPROVER_EMAILS: '{"*": ["ops@example.com"], "deploybot": ["lead@example.com"]}',
    });
    if (!config) throw new Error("expected a config");
    expect(approversOf(config, "deploybot")).toEqual(["lead@example.com"]);
    expect(approversOf(config, "calculator")).toEqual(["ops@example.com"]);
    expect(approversOf(config, "constructor")).toEqual(["ops@example.com"]);
    expect(approversOf({ approvers: { deploybot: ["a@b.co"] } }, "calculator")).toEqual([]);
  });

  it("names the variable of each problem", () => {
    expect(() => readEmailConfig({ APPROVER_EMAILS: "ops@example.com" })).toThrow(
      /EMAIL_FROM: is required; EMAIL_LINK_SECRET: is required/,
    );
    expect(() =>
      readEmailConfig({ ...base, APPROVER_EMAILS: "ops@example.com, not-an-address" }),
    ).toThrow(/APPROVER_EMAILS: not an email address: not-an-address/);
    expect(() => readEmailConfig({ ...base, APPROVER_EMAILS: "{nope" })).toThrow(
      /APPROVER_EMAILS: must be a comma list/,
    );
    expect(() => readEmailConfig({ ...base, APPROVER_EMAILS: '{"*": []}' })).toThrow(
      /APPROVER_EMAILS/,
    );
    expect(() =>
      readEmailConfig({ ...base, APPROVER_EMAILS: "a@b.co", EMAIL_LINK_SECRET: "short" }),
    ).toThrow(/EMAIL_LINK_SECRET: must be at least 32 characters/);
    expect(() =>
      readEmailConfig({ ...base, APPROVER_EMAILS: "a@b.co", SMTP_URL: "http://mail" }),
    ).toThrow(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
  });
});

describe("Function: emailLinkSecret", () => {
  it("is null when unset, the key when set, and refuses a short one", () => {
    expect(emailLinkSecret({})).toBeNull();
    expect(emailLinkSecret({ EMAIL_LINK_SECRET: SECRET })).toBe(SECRET);
    expect(() => emailLinkSecret({ EMAIL_LINK_SECRET: "short" })).toThrow(/EMAIL_LINK_SECRET/);
  });
});
