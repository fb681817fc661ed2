import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as z from "zod";
import { slackClient } from "../../../shared/channels/slack/client.ts";
import type { SlackConfig } from "../../../shared/channels/slack/config.ts";
import {
  ACTIONS,
  type CallRef,
  decidedMessage,
  INPUT,
  inputModal,
  type ModalRef,
  type Outcome,
  VIEWS,
} from "../../../shared/channels/slack/messages.ts";
import {
  NotPendingError,
  ThreadClosedError,
  ThreadNotFoundError,
} from "../../../shared/core/errors.ts";
import type { Actor } from "../../../shared/core/events.ts";
import type { HumanReply } from "../../../shared/core/lifecycle.ts";
import type { RuntimeDeps } from "../../../shared/runtime/deps.ts";
import { respondToThread } from "../../../shared/runtime/respond-to-thread.ts";
import { logger } from "../../logger.ts";
import { HttpError, json } from "../http.ts";
import { threadId } from "../schemas.ts";
import { checkSlackIds, SLACK_ID_MAX } from "./ids.ts";

// The shapes this app writes (thread ids as the API hands them out): nothing longer is its own.
const callRef = z.object({
  t: threadId,
  c: z.string().min(1).max(128),
  h: z.string().max(64).optional(),
  k: z.string().max(128),
  l: z.string().max(2_048),
});
const slackId = z.string().min(1).max(SLACK_ID_MAX);
const modalRef = callRef.extend({ channel: slackId, ts: slackId });
const fromJson = <S extends z.ZodType>(schema: S) =>
  z.string().transform((text, ctx): z.output<S> => {
    try {
      return schema.parse(JSON.parse(text));
    } catch {
      ctx.addIssue({ code: "custom", message: "is not a reference this app wrote" });
      return z.NEVER;
    }
  });

const user = z.looseObject({ id: z.string().min(1) });
const team = z.looseObject({ id: z.string() }).optional();
const blockActions = z.looseObject({
  type: z.literal("block_actions"),
  user,
  team,
  trigger_id: z.string().optional(),
  container: z
    .looseObject({ channel_id: z.string().optional(), message_ts: z.string().optional() })
    .optional(),
  channel: z.looseObject({ id: z.string() }).optional(),
  message: z.looseObject({ ts: z.string() }).optional(),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.string().optional() })).min(1),
});
const viewSubmission = z.looseObject({
  type: z.literal("view_submission"),
  user,
  team,
  view: z.looseObject({
    callback_id: z.string(),
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.record(
        z.string(),
        z.record(z.string(), z.looseObject({ value: z.string().nullish() })),
      ),
    }),
  }),
});
const payload = z.discriminatedUnion("type", [blockActions, viewSubmission]);

const ok = (): APIGatewayProxyStructuredResultV2 => ({ statusCode: 200, body: "" });
const viaSlack = (id: string): Actor => ({ principal: id, via: "slack" });

/**
 * One interaction (the verified `payload` field of a request to `/slack/interactions`): Approve
 * records the approval; Reject and Reply open a modal, whose submission records the rejection
 * (with its comment) or the answer. A recorded decision updates the message to say what was
 * decided and by whom. Anything this app did not post is acknowledged and ignored; an id past
 * `SLACK_ID_MAX` is a 400 naming it.
 */
export async function handleInteraction(
  deps: RuntimeDeps,
  config: SlackConfig,
  raw: unknown,
): Promise<APIGatewayProxyStructuredResultV2> {
  const type = (raw as { type?: unknown } | null)?.type;
  if (type !== "block_actions" && type !== "view_submission") return ok();
  const parsed = payload.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError("invalid_body", `not an interaction of this app: ${parsed.error.message}`);
  }
  checkSlackIds(idsOf(parsed.data));
  const client = await slackClient(config);
  return parsed.data.type === "block_actions"
    ? onButton(deps, client, parsed.data)
    : onSubmit(deps, client, parsed.data);
}

type Client = Awaited<ReturnType<typeof slackClient>>;

/** The Slack ids an interaction carries, by the names Slack gives them. */
function idsOf(interaction: z.output<typeof payload>): Record<string, string | undefined> {
  const common = { "user.id": interaction.user.id, "team.id": interaction.team?.id };
  if (interaction.type === "view_submission") {
    return { ...common, "view.callback_id": interaction.view.callback_id };
  }
  return {
    ...common,
    trigger_id: interaction.trigger_id,
    "container.channel_id": interaction.container?.channel_id,
    "container.message_ts": interaction.container?.message_ts,
    "channel.id": interaction.channel?.id,
    "message.ts": interaction.message?.ts,
    ...Object.fromEntries(
      interaction.actions.map((action, index) => [`actions[${index}].action_id`, action.action_id]),
    ),
  };
}

/** Approve records the approval; Reject and Reply open their modal. */
async function onButton(
  deps: RuntimeDeps,
  client: Client,
  interaction: z.output<typeof blockActions>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const [action] = interaction.actions;
  const ref = fromJson(callRef).safeParse(action?.value ?? "");
  if (!action || !ref.success) return ok();
  const channel = interaction.container?.channel_id ?? interaction.channel?.id;
  const ts = interaction.container?.message_ts ?? interaction.message?.ts;
  if (!channel || !ts) throw new HttpError("invalid_body", "the interaction names no message");
  const message: ModalRef = { ...ref.data, channel, ts };
  if (action.action_id === ACTIONS.approve) {
    const reply = { callId: ref.data.c, approved: true, ...hash(ref.data) };
    const outcome = await decide(deps, ref.data, reply, interaction.user.id);
    await settle(client, message, outcome, interaction.user.id);
  } else if (action.action_id === ACTIONS.reject || action.action_id === ACTIONS.reply) {
    if (!interaction.trigger_id) {
      throw new HttpError("invalid_body", "no trigger_id to open a modal with");
    }
    await client.views.open({
      trigger_id: interaction.trigger_id,
      view: inputModal(action.action_id === ACTIONS.reject ? "reject" : "reply", message),
    });
  }
  return ok();
}

/** The modal's text is the rejection's comment or the answer; a late one is told in the modal. */
async function onSubmit(
  deps: RuntimeDeps,
  client: Client,
  interaction: z.output<typeof viewSubmission>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { view } = interaction;
  if (view.callback_id !== VIEWS.reject && view.callback_id !== VIEWS.reply) return ok();
  const ref = fromJson(modalRef).safeParse(view.private_metadata);
  if (!ref.success) throw new HttpError("invalid_body", "the modal names no call of this app");
  const text = view.state.values[INPUT.block]?.[INPUT.action]?.value?.trim() ?? "";
  if (text === "") return modalError("Write something first");
  const reply: HumanReply =
    view.callback_id === VIEWS.reject
      ? { callId: ref.data.c, approved: false, comment: text, ...hash(ref.data) }
      : { callId: ref.data.c, response: text };
  const outcome = await decide(deps, ref.data, reply, interaction.user.id);
  if (outcome.kind === "already") return modalError(`Nothing recorded: ${outcome.reason}`);
  await settle(client, ref.data, outcome, interaction.user.id);
  return ok();
}

/** Keeps the modal open, its input showing `message`. */
const modalError = (message: string) =>
  json(200, { response_action: "errors", errors: { [INPUT.block]: message } });

const hash = (ref: CallRef) => (ref.h ? { argsHash: ref.h } : {});

/** Records the answer (a conditional write and an enqueue: the step runs on the queue). */
async function decide(
  deps: RuntimeDeps,
  ref: CallRef,
  reply: HumanReply,
  userId: string,
): Promise<Outcome> {
  let taken = true;
  try {
    await respondToThread(deps, ref.t, reply, viaSlack(userId));
  } catch (error) {
    if (error instanceof ThreadClosedError) {
      return { kind: "already", reason: `the thread is ${error.status}` };
    }
    if (error instanceof ThreadNotFoundError) return { kind: "already", reason: "no such thread" };
    if (!(error instanceof NotPendingError)) throw error;
    taken = false;
  }
  // A repeat of the same answer succeeds without an event: only its first author decided.
  const decider = await deciderOf(deps, ref);
  if (!taken || decider !== userId) {
    return { kind: "already", reason: `already answered${decider ? ` by ${decider}` : ""}` };
  }
  if ("approved" in reply) {
    return reply.approved
      ? { kind: "approved" }
      : { kind: "rejected", comment: reply.comment ?? "" };
  }
  return { kind: "answered", response: reply.response };
}

/** Who answered `ref`'s call, as recorded (the first answer is the one that counts). */
async function deciderOf(deps: RuntimeDeps, ref: CallRef): Promise<string | undefined> {
  const thread = await deps.store.load(ref.t);
  const answer = thread?.events.find(
    (event) =>
      (event.type === "approval_decision" || event.type === "human_response") &&
      event.data.callId === ref.c,
  );
  return answer?.by?.principal;
}

/**
 * Tells Slack: the message now says what was decided, by whom; a click that came too late is
 * told only to its clicker. The decision is recorded already, so a failure here is logged, not
 * answered (Slack would show the person an error for what worked).
 */
async function settle(
  client: Client,
  ref: ModalRef,
  outcome: Outcome,
  userId: string,
): Promise<void> {
  try {
    if (outcome.kind === "already") {
      await client.chat.postEphemeral({
        channel: ref.channel,
        user: userId,
        text: `Nothing recorded: thread ${ref.t} is no longer waiting on this (${outcome.reason}).`,
      });
      return;
    }
    await client.chat.update({
      channel: ref.channel,
      ts: ref.ts,
      ...decidedMessage(ref, outcome, userId),
    });
  } catch (error) {
    logger.warn("slack: could not update the message", { threadId: ref.t, error: String(error) });
  }
}
