/**
 * The system's code of a failed connection (`ECONNREFUSED`, `ENOTFOUND`), when there is one: the
 * error or one of its first causes carries it, whichever SDK wrapped it. Pure, no SDK import, so
 * every adapter's error mapping reads it without loading another adapter's SDK.
 *
 * @example
 * networkCode(new Error("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) })); // "ECONNREFUSED"
 */
export function networkCode(cause: unknown): string | undefined {
  for (let error = cause, depth = 0; error instanceof Error && depth < 4; depth++) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code;
    error = error.cause;
  }
  return undefined;
}
