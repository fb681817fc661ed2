import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type * as z from "zod";
import { isRetryable } from "../../shared/core/errors.ts";
import type { ReplayGuard } from "../../shared/core/ports.ts";
import { answerCall } from "../../shared/runtime/callbacks.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { HttpError } from "./http.ts";
import { bodyText, header, parse } from "./request.ts";
import { idempotencyKey, launchBody, responseBody, threadId } from "./schemas.ts";
import { parseStrictJson } from "./strict-json.ts";
import type { WebhookSource } from "./webhook-config.ts";
import { verifyDelivery } from "./webhook-signatures.ts";
import { fillTemplate } from "./webhook-template.ts";

export { SIGNATURE_TOLERANCE_SECONDS, signWebhook } from "./webhook-signatures.ts";

/** Signed inbound webhooks (factor 11): which sources exist, how they sign, and replay memory. */
export interface WebhookOptions {
  /**
   * The sources by name: `POST /hooks/{source}` is verified in `sources[source].format` with its
   * secret. A function, so a deployment can read them from Secrets Manager (cached) and pick up
   * rotations.
   */
  sources: () => Promise<Readonly<Record<string, WebhookSource>>>;
  replayGuard: ReplayGuard;
}

/**
 * `POST /hooks/{source}`: verified in the source's format (Twelve's, GitHub's, Stripe's or
 * Standard Webhooks') before anything is parsed or written. Unsigned, stale, wrongly signed and
 * replayed requests get 401 and change nothing. A source with a `launch` launches its agent with
 * the payload filled into its message template, once per delivery id; one without takes
 * Twelve's own body (a launch, or the answer to a pending call).
 */
export async function handleWebhook(
  deps: RuntimeDeps,
  event: APIGatewayProxyEventV2,
  source: string,
  webhooks: WebhookOptions | undefined,
  maxBodyBytes: number,
) {
  const raw = bodyText(event, maxBodyBytes);
  const sources = webhooks ? await webhooks.sources() : {};
  const config = Object.hasOwn(sources, source) ? sources[source] : undefined;
  if (!webhooks || config === undefined) {
    throw new HttpError(
      "unknown_source",
      `no webhook source "${source.slice(0, 64)}" is configured`,
    );
  }
  const delivery = await verifyDelivery({ source, config, event, raw, now: deps.clock.now() });
  const body = config.launch ? launchFrom(config.launch, raw, source) : parseBody(raw);
  const rawKey = header(event, "idempotency-key");
  const idempotency =
    delivery.deliveryId ??
    (rawKey === undefined ? undefined : parse(idempotencyKey, rawKey, "invalid_header"));
  const { replay } = delivery;
  if (replay && !(await webhooks.replayGuard.claim(replay.key, replay.expiresAt, replay.owner))) {
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
    return await answerCall(deps, id, reply, by);
  } catch (error) {
    // A failure a retry may get past must not eat the delivery: the sender's retry of the same
    // signed request has to be accepted. A terminal one (a 4xx about the request) keeps it.
    if (replay && isRetryable(error)) await webhooks.replayGuard.release(replay.key);
    throw error;
  }
}

/** The launch a source's template makes of a delivery's JSON payload. */
function launchFrom(
  launch: NonNullable<WebhookSource["launch"]>,
  raw: string,
  source: string,
): z.output<typeof launchBody> {
  const payload = parseStrictJson(raw);
  const message = fillTemplate(launch.message, payload, source);
  return parse(launchBody, { agent: launch.agent, message }, "invalid_body");
}

type HookBody =
  | z.output<typeof launchBody>
  | ({ threadId: string } & z.output<typeof responseBody>);

function parseBody(raw: string): HookBody {
  const value = parseStrictJson(raw);
  if (typeof value === "object" && value !== null && "agent" in value)
    return parse(launchBody, value, "invalid_body");
  const { threadId: id, ...reply } = (typeof value === "object" && value !== null ? value : {}) as {
    threadId?: unknown;
  };
  const target = parse(threadId, id, "invalid_body");
  return { threadId: target, ...parse(responseBody, reply, "invalid_body") };
}
