import { createHash } from "node:crypto";

/** JSON with object keys sorted, so equal values always serialize (and hash) the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** The hash that binds an approval to the exact arguments the approver was shown. */
export const hashArgs = (args: unknown): string =>
  createHash("sha256")
    .update(canonicalJson(args) ?? "null")
    .digest("hex");

/** What a callback tool's thread keeps of its token: the sha256 (hex) of the token as sent. */
export const hashToken = (token: string): string =>
  createHash("sha256").update(token).digest("hex");
