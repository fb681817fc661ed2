import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

/**
 * Compares a secret (a bearer key, a webhook signature) with what it should be, in constant
 * time: both sides are hashed first, so neither their contents nor their lengths leak through
 * the time the comparison takes.
 *
 * @example
 * secretsEqual(token, expectedKey); // true only for the very same string
 */
export const secretsEqual = (given: string, expected: string): boolean =>
  timingSafeEqual(digest(given), digest(expected));
