import { createHmac } from "node:crypto";
import { secretsEqual } from "../../secrets.ts";
import { HttpError } from "../http.ts";

/** How far a request's timestamp may be from our clock (Slack's advice: 5 minutes). */
export const SLACK_WINDOW_SECONDS = 300;

/** Slack's `v0=` signature of `body` sent at `timestamp` (seconds). */
export const signSlack = (secret: string, timestamp: string, body: string): string =>
  `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;

/**
 * Checks a request to `/slack/*` as Slack says to ("Verifying requests from Slack"): the
 * `X-Slack-Signature` must be the HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>`,
 * compared in constant time, and the timestamp within 5 minutes of `now`. Throws a 401
 * `HttpError` (`unsigned`, `stale_signature`, `bad_signature`); nothing is parsed before.
 *
 * @example
 * verifySlackSignature({ secret, timestamp, signature, body, now: new Date() });
 */
export function verifySlackSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  now: Date;
}): void {
  const { secret, timestamp, signature, body, now } = input;
  if (!timestamp || !signature) {
    throw new HttpError("unsigned", "X-Slack-Signature and X-Slack-Request-Timestamp are required");
  }
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!(Math.abs(now.getTime() / 1000 - seconds) <= SLACK_WINDOW_SECONDS)) {
    throw new HttpError("stale_signature", "X-Slack-Request-Timestamp is not within 5 minutes");
  }
  if (!secretsEqual(signature, signSlack(secret, timestamp, body))) {
    throw new HttpError("bad_signature", "X-Slack-Signature does not match the body");
  }
}
