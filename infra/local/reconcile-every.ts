import { ConfigError } from "../../shared/core/errors.ts";

/** How often `twelve dev`'s reconciler runs when `TWELVE_RECONCILE_SECONDS` is unset. */
export const DEFAULT_RECONCILE_SECONDS = 30;
const MAX_RECONCILE_SECONDS = 3_600;

/**
 * How often the local reconciler sweeps (lost steps, expired approvals and callbacks, stale
 * sub-agent waits, retries due), in ms: `TWELVE_RECONCILE_SECONDS` (a whole number of seconds
 * from 1 to 3600), else 30 s. The deployed reconciler runs every 5 minutes.
 *
 * @example
 * reconcileEveryMs({ TWELVE_RECONCILE_SECONDS: "2" }); // 2000
 */
export function reconcileEveryMs(env: NodeJS.ProcessEnv): number {
  const raw = env.TWELVE_RECONCILE_SECONDS;
  if (raw === undefined || raw === "") return DEFAULT_RECONCILE_SECONDS * 1_000;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_RECONCILE_SECONDS) {
    throw new ConfigError(
      `TWELVE_RECONCILE_SECONDS=${raw} is not a whole number of seconds from 1 to ${MAX_RECONCILE_SECONDS}`,
    );
  }
  return seconds * 1_000;
}
