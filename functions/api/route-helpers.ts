import { ThreadNotFoundError } from "../../shared/core/errors.ts";
import type { Actor } from "../../shared/core/events.ts";
import { threadId } from "./schemas.ts";

/** The `by` of what an API request causes. */
export const viaApi = (principal: string): Actor => ({ principal, via: "api" });

export function checkedId(raw: string | undefined): string {
  const result = threadId.safeParse(raw);
  // An id this API could never have handed out names no thread: 404, like any unknown id.
  if (!result.success) throw new ThreadNotFoundError(String(raw).slice(0, 128));
  return result.data;
}
