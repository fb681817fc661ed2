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

/** What a verified delivery says about itself. */
export interface VerifiedDelivery {
  /** The sender's id of the delivery, the same on its redeliveries (the launch's idempotency). */
  deliveryId?: string;
  /** A request seen once only: its key and how long to remember it (none: redeliveries are fine). */
  replay?: { key: string; expiresAt: Date };
}

/**
 * Checks a delivery's signature in its source's format before anything reads the body; throws
 * `HttpError` 401 (`unsigned`, `stale_signature`, `bad_signature`) otherwise.
 * - `twelve`: `X-Twelve-Timestamp` and `X-Twelve-Signature: v1=<hex HMAC-SHA256 of
 *   "<timestamp>.<body>">`, 5 minutes either way, each signature once.
 * - `github`: `X-Hub-Signature-256` (`@octokit/webhooks-methods`); no timestamp, so a delivery is
 *   known by `X-GitHub-Delivery`: a redelivery launches nothing new.
 * - `stripe`: `Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (any `v1`), within
 *   the tolerance, each signature once; the event's `id` names the delivery.
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
      return { replay: once(source, signature, Number(timestamp)) };
    }
    case "github": {
      const signature = required(event, "x-hub-signature-256", /^sha256=[0-9a-f]{64}$/);
      const delivery = required(event, "x-github-delivery", /^[\w-]{1,128}$/);
      if (!(await verifyGitHub(config.secret, raw, signature))) mismatch();
      return { deliveryId: delivery };
    }
    case "stripe": {
      const signature = required(event, "stripe-signature");
      const parts = signature.split(",").map((part) => part.trim().split("="));
      const timestamp = parts.find(([key]) => key === "t")?.[1] ?? "";
      const candidates = parts.filter(([key]) => key === "v1").map(([, value]) => value ?? "");
      if (!/^\d{1,12}$/.test(timestamp) || candidates.length === 0) {
        throw new HttpError("unsigned", "Stripe-Signature needs t= and v1=");
      }
      fresh(Number(timestamp), seconds);
      const expected = hmacHex(config.secret, `${timestamp}.${raw}`);
      if (!candidates.some((candidate) => secretsEqual(candidate, expected))) mismatch();
      const id = stripeEventId(raw);
      return {
        ...(id ? { deliveryId: id } : {}),
        replay: once(source, signature, Number(timestamp)),
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
      return { deliveryId: id, replay: once(source, id, Number(timestamp)) };
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

/** A signed request is accepted once, remembered while its timestamp could still pass. */
const once = (source: string, signature: string, timestamp: number) => ({
  key: createHash("sha256").update(`${source}\n${signature}`).digest("hex"),
  expiresAt: new Date((timestamp + 2 * SIGNATURE_TOLERANCE_SECONDS) * 1000),
});

/** A Stripe event's `id` (`evt_…`), read from a body that may not be JSON at all. */
function stripeEventId(raw: string): string | undefined {
  try {
    const id = (JSON.parse(raw) as { id?: unknown }).id;
    return typeof id === "string" && /^[\w-]{1,128}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
