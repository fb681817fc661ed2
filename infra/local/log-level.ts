import type { Logger } from "@aws-lambda-powertools/logger";

/** The Powertools levels a user may name in POWERTOOLS_LOG_LEVEL. */
type Level = Parameters<Logger["setLogLevel"]>[0];

/**
 * The level `twelve dev` logs at: POWERTOOLS_LOG_LEVEL when set, else INFO with `--verbose`,
 * else WARN (quiet, as `npm start` is: the banner and one line per step, not the handlers' INFO).
 */
export const localLogLevel = (env: NodeJS.ProcessEnv, verbose: boolean): Level =>
  (env.POWERTOOLS_LOG_LEVEL?.toUpperCase() as Level | undefined) || (verbose ? "INFO" : "WARN");
