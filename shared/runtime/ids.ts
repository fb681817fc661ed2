import { randomBytes } from "node:crypto";
import type { IdGenerator } from "../core/ports.ts";

/** Thread ids and callback secrets with 128 random bits: unguessable, URL-safe. */
export const randomIds: IdGenerator = {
  threadId: () => `thr_${randomBytes(16).toString("base64url")}`,
  callbackSecret: () => randomBytes(16).toString("base64url"),
};
