import { createHash, createHmac } from "node:crypto";
import { verify as verifyGitHub } from "@octokit/webhooks-methods";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { Webhook } from "standardwebhooks";
import { secretsEqual } from "../secrets.ts";
import { HttpError } from "./http.ts";
import { header } from "./request.ts";
import type { WebhookSource } from "./webhook-config.ts";

/** How far a signature's timestamp may be from now, either way (Stripe's default tolerance too). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * How long a GitHub delivery's body is remembered. GitHub signs no timestamp, so a captured
 * delivery verifies forever; within this window the same body is refused under another
 * `X-GitHub-Delivery` (GitHub lets you redeliver for three days, keeping the delivery's id).
 */
export const GITHUB_REPLAY_WINDOW_SECONDS = 3 * 24 * 60 * 60;

/** What a verified delivery says about itself. */
export interface VerifiedDelivery {
  /** The sender's id of the delivery, the same on its redeliveries (the launch's idempotency). */
  deliveryId?: string;
  /**
   * A request seen once only: its key (a hash of what the signature covers, never of the
   * header's text), how long to remember it, and its owner: a claim by the same owner (GitHub's
   * redelivery of one delivery id) is not a replay.
   */
  replay?: { key: string; expiresAt: Date; owner?: string };
}

/**
 * Checks a delivery's signature in its source's format before anything reads the body; throws
 * `HttpError` 401 (`unsigned`, `stale_signature`, `bad_signature`) otherwise.
 * - `twelve`: `X-Twelve-Timestamp` and `X-Twelve-Signature: v1=<hex HMAC-SHA256 of
 *   "<timestamp>.<body>">`, 5 minutes either way, each (timestamp, body) once.
 * - `github`: `X-Hub-Signature-256` (`@octokit/webhooks-methods`); no timestamp, so a delivery is
 *   known by `X-GitHub-Delivery` (a redelivery launches nothing new) and its signed body is
 *   remembered for `GITHUB_REPLAY_WINDOW_SECONDS`: the same body under another id is a replay.
 * - `stripe`: `Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (any `v1`), within
 *   the tolerance, each (t, body) once; the event's `id` names the delivery.
 * - `standard` (Standard Webhooks, `standardwebhooks`): `webhook-id`, `webhook-timestamp`,
 *   `webhook-signature` (`v1,<base64>` of `"<id>.<timestamp>.<body>"` with the `whsec_` key),
 *   within the tolerance, each id once.
 */
export async function verifyDelivery(input: {
  source: string;
  config: WebhookSource;
  event: APIGatewayProxyEventV2;
  raw: string;
  now: Date;
}): Promise<VerifiedDelivery> {
  const { source, config, event, raw, now } = input;
  const seconds = now.getTime() / 1000;
  switch (config.format) {
    case "twelve": {
      const timestamp = required(event, "x-twelve-timestamp", /^\d{1,12}$/);
      const signature = required(event, "x-twelve-signature");
      fresh(Number(timestamp), seconds);
      const expected = `v1=${hmacHex(config.secret, `${timestamp}.${raw}`)}`;
      if (!secretsEqual(signature, expected)) mismatch();
      return { replay: once(source, [timestamp, raw], windowOf(Number(timestamp))) };
    }
    case "github": {
      const signature = required(event, "x-hub-signature-256", /^sha256=[0-9a-f]{64}$/);
      const delivery = required(event, "x-github-delivery", /^[\w-]{1,128}$/);
      // The library throws a TypeError on an empty body; GitHub never signs one.
      if (raw === "" || !(await verifyGitHub(config.secret, raw, signature))) mismatch();
      const until = new Date((seconds + GITHUB_REPLAY_WINDOW_SECONDS) * 1000);
      return { deliveryId: delivery, replay: { ...once(source, [raw], until), owner: delivery } };
    }
    case "stripe": {
      const signature = required(event, "stripe-signature");
      const parts = signature.split(",").map((part) => part.trim().split("="));
      const stamps = parts.filter(([key]) => key === "t").map(([, value]) => value ?? "");
      const [timestamp = ""] = stamps;
      const candidates = parts.filter(([key]) => key === "v1").map(([, value]) => value ?? "");
      if (stamps.length !== 1 || !/^\d{1,12}$/.test(timestamp) || candidates.length === 0) {
        throw new HttpError("unsigned", "Stripe-Signature needs one t= and a v1=");
      }
      fresh(Number(timestamp), seconds);
      const expected = hmacHex(config.secret, `${timestamp}.${raw}`);
      if (!candidates.some((candidate) => secretsEqual(candidate, expected))) mismatch();
      const id = stripeEventId(raw);
      return {
        ...(id ? { deliveryId: id } : {}),
        replay: once(source, [timestamp, raw], windowOf(Number(timestamp))),
      };
    }
    case "standard": {
      const id = required(event, "webhook-id", /^[\w.-]{1,128}$/);
      const timestamp = required(event, "webhook-timestamp", /^\d{1,12}$/);
      const signatures = required(event, "webhook-signature");
      fresh(Number(timestamp), seconds);
      // The library signs; the clock is ours (a test's fixed one, too).
      const expected = new Webhook(config.secret).sign(id, new Date(Number(timestamp) * 1000), raw);
      if (!signatures.split(" ").some((candidate) => secretsEqual(candidate, expected))) {
        mismatch();
      }
      // The id is signed and names one message: each id once.
      return { deliveryId: id, replay: once(source, [id], windowOf(Number(timestamp))) };
    }
    default: {
      const unknown: never = config.format;
      throw new TypeError(`unknown webhook format ${String(unknown)}`);
    }
  }
}

/**
 * Twelve's own signature for a body sent at `timestamp` (Unix seconds): what a sender puts in
 * `X-Twelve-Signature`.
 *
 * @example
 * const ts = Math.floor(Date.now() / 1000).toString();
 * fetch(`${url}/hooks/billing`, { method: "POST", body, headers: {
 *   "x-twelve-timestamp": ts, "x-twelve-signature": signWebhook(secret, ts, body) } });
 */
export const signWebhook = (secret: string, timestamp: string, body: string): string =>
  `v1=${hmacHex(secret, `${timestamp}.${body}`)}`;

const hmacHex = (secret: string, text: string): string =>
  createHmac("sha256", secret).update(text).digest("hex");

function required(event: APIGatewayProxyEventV2, name: string, shape?: RegExp): string {
  const value = header(event, name);
  if (value === undefined || value === "" || (shape && !shape.test(value))) {
    throw new HttpError("unsigned", `sign the request: header ${name} is missing or malformed`);
  }
  return value;
}

function fresh(timestamp: number, now: number): void {
  if (Math.abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS) {
    throw new HttpError(
      "stale_signature",
      `the timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s from now`,
    );
  }
}

function mismatch(): never {
  throw new HttpError("bad_signature", "the signature does not match the body");
}

/**
 * A signed request is accepted once, known by what its signature covers: any header that still
 * verifies (a second `v1`, spaces, a `v0`) names the same request.
 */
const once = (source: string, signed: readonly string[], expiresAt: Date) => {
  const hash = createHash("sha256").update(source);
  // Each part's length first, so no two different lists hash the same text.
  for (const part of signed) hash.update(`\n${Buffer.byteLength(part)}\n`).update(part);
  return { key: hash.digest("hex"), expiresAt };
};

/** Remembered while its timestamp could still pass. */
const windowOf = (timestamp: number): Date =>
  new Date((timestamp + 2 * SIGNATURE_TOLERANCE_SECONDS) * 1000);

/** A Stripe event's `id` (`evt_…`), read from a body that may not be JSON at all. */
function stripeEventId(raw: string): string | undefined {
  try {
    const id = (JSON.parse(raw) as { id?: unknown }).id;
    return typeof id === "string" && /^[\w-]{1,128}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
