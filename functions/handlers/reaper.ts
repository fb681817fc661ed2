import { buildReaper, reaperSections } from "../compose/reaper.ts";
import { lazySettings } from "../compose/settings.ts";
import { lazyHandler } from "./lazy-handler.ts";

/**
 * The reaper function's Lambda handler: the target of the thread table's stream, filtered to
 * TTL's removals of meta items; it needs no agents, only the store (`TABLE_NAME`, and
 * `PAYLOAD_BUCKET` for the thread's objects).
 */
export function reaperHandler(): ReturnType<typeof buildReaper> {
  return lazyHandler(() => buildReaper(lazySettings(process.env, reaperSections)));
}
