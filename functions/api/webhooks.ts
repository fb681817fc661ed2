import { createHash, createHmac } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type * as z from "zod";
import { isRetryable } from "../../shared/core/errors.ts";
import type { ReplayGuard } from "../../shared/core/ports.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
import { secretsEqual } from "../secrets.ts";
import { HttpError } from "./http.ts";
import { bodyText, header, parse } from "./request.ts";
import { idempotencyKey, launchBody, responseBody, threadId } from "./schemas.ts";

/** Signed inbound webhooks (factor 11): which sources exist, their secrets, and replay memory. */
export interface WebhookOptions {
  /**
   * Shared secret per source: `POST /hooks/{source}` is signed with `secrets[source]`. A function,
   * so a deployment can read them from Secrets Manager (cached) and pick up rotations.
   */
  secrets: () => Promise<Readonly<Record<string, string>>>;
  replayGuard: ReplayGuard;
}

/** How far a signature's timestamp may be from now, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const TIMESTAMP_HEADER = "x-twelve-timestamp";
const SIGNATURE_HEADER = "x-twelve-signature";

/**
 * The signature a sender puts in `X-Twelve-Signature`: `v1=` + hex HMAC-SHA256 of
 * `<timestamp>.<raw body>` with the source's secret (the timestamp goes in `X-Twelve-Timestamp`,
 * Unix seconds).
 *
 * @example
 * const ts = Math.floor(Date.now() / 1000).toString();
 * fetch(`${url}/hooks/github`, { method: "POST", body, headers: {
 *   "x-twelve-timestamp": ts, "x-twelve-signature": signWebhook(secret, ts, body) } });
 */
export const signWebhook = (secret: string, timestamp: string, body: string): string =>
  `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;

/**
 * `POST /hooks/{source}`: verified before anything is parsed or written. Unsigned, stale (more
 * than 5 minutes off), wrongly signed and replayed requests get 401 and change nothing.
 */
export async function handleWebhook(
  deps: RuntimeDeps,
  event: APIGatewayProxyEventV2,
  source: string,
  webhooks: WebhookOptions | undefined,
  maxBodyBytes: number,
) {
  const raw = bodyText(event, maxBodyBytes);
  const secrets = webhooks ? await webhooks.secrets() : {};
  const secret = Object.hasOwn(secrets, source) ? secrets[source] : undefined;
  if (!webhooks || secret === undefined) {
    throw new HttpError(
      "unknown_source",
      `no webhook source "${source.slice(0, 64)}" is configured`,
    );
  }
  const timestamp = header(event, TIMESTAMP_HEADER) ?? "";
  const signature = header(event, SIGNATURE_HEADER) ?? "";
  if (!/^\d{1,12}$/.test(timestamp) || signature === "") {
    throw new HttpError(
      "unsigned",
      `sign the request: ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} headers`,
    );
  }
  const now = deps.clock.now().getTime() / 1000;
  if (Math.abs(now - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) {
    throw new HttpError(
      "stale_signature",
      `the timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s from now`,
    );
  }
  if (!secretsEqual(signature, signWebhook(secret, timestamp, raw))) {
    throw new HttpError("bad_signature", "the signature does not match the body");
  }
  const body = parseBody(raw);
  const rawKey = header(event, "idempotency-key");
  const idempotency =
    rawKey === undefined ? undefined : parse(idempotencyKey, rawKey, "invalid_header");
  const key = createHash("sha256").update(`${source}\n${signature}`).digest("hex");
  const expiresAt = new Date((Number(timestamp) + 2 * SIGNATURE_TOLERANCE_SECONDS) * 1000);
  if (!(await webhooks.replayGuard.claim(key, expiresAt))) {
    throw new HttpError("replayed", "this signed request was received before");
  }
  // The signed sender is who did it: the source its secret belongs to.
  const by = { principal: source, via: `webhook:${source}` };
  try {
    if ("agent" in body) {
      const launched = await launchThread(deps, {
        ...body,
        ...(idempotency ? { idempotencyKey: `hook:${source}:${idempotency}` } : {}),
        by,
      });
      return { threadId: launched.threadId, status: launched.status };
    }
    const { threadId: id, ...reply } = body;
    return await respondToThread(deps, id, reply, by);
  } catch (error) {
    // A failure a retry may get past must not eat the delivery: the sender's retry of the same
    // signed request has to be accepted. A terminal one (a 4xx about the request) keeps it.
    if (isRetryable(error)) await webhooks.replayGuard.release(key);
    throw error;
  }
}

type HookBody =
  | z.output<typeof launchBody>
  | ({ threadId: string } & z.output<typeof responseBody>);

function parseBody(raw: string): HookBody {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new HttpError("invalid_json", `body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value === "object" && value !== null && "agent" in value)
    return parse(launchBody, value, "invalid_body");
  const { threadId: id, ...reply } = (typeof value === "object" && value !== null ? value : {}) as {
    threadId?: unknown;
  };
  const target = parse(threadId, id, "invalid_body");
  return { threadId: target, ...parse(responseBody, reply, "invalid_body") };
}
