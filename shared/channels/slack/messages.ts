import type { ActionsBlock, Button, KnownBlock, ModalView } from "@slack/web-api";
import { hashArgs } from "../../core/hash.ts";
import type {
  CallbackWaitingNotice,
  ThreadEndedNotice,
  ThreadWaitingNotice,
} from "../../core/ports.ts";
import { type AnswerKind, answerKindOf } from "../../core/thread.ts";

/** The `metadata.event_type` of a message that asks for an approval or an answer. */
export const SLACK_EVENT_TYPE = "twelve_thread_waiting";
/** The `metadata.event_type` of the message that says a thread ended. */
export const SLACK_ENDED_TYPE = "twelve_thread_ended";
/** The `metadata.event_type` of the message that says a thread waits on a callback tool. */
export const SLACK_CALLBACK_TYPE = "twelve_thread_waiting_for_callback";

export const ACTIONS = {
  approve: "twelve_approve",
  reject: "twelve_reject",
  reply: "twelve_reply",
};
export const VIEWS = { reject: "twelve_reject", reply: "twelve_reply" };
export const INPUT = { block: "twelve_input", action: "text" };

/** What a button carries back (short keys: a button's value holds 2,000 characters). */
export interface CallRef {
  /** Thread id. */
  t: string;
  /** Call id. */
  c: string;
  /** The arguments' hash, so an approval holds only for the arguments shown. */
  h?: string;
  /** The tool. */
  k: string;
  /** The console's link to the thread. */
  l: string;
}

/** What a modal carries back: the call, and the message to update. */
export interface ModalRef extends CallRef {
  channel: string;
  ts: string;
}

/** `<base>/console/threads/{id}` from a notice's `<base>/threads/{id}`. */
export const consoleLink = (link: string): string =>
  link.replace(/\/threads\/([^/]+)$/, "/console/threads/$1");

/**
 * Slack's escapes (`&`, `<`, `>`), so text is shown and never read as a link or a mention
 * (`<!channel>`): for mrkdwn blocks and a message's `text` (its notification) alike.
 */
export const mrkdwn = (text: string): string =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const button = (text: string, action_id: string, value: string, style?: Button["style"]) => ({
  type: "button" as const,
  text: { type: "plain_text" as const, text },
  action_id,
  value,
  ...(style ? { style } : {}),
});

/** The blocks that say which thread and which call, with the console's link. */
function callBlocks(ref: Pick<CallRef, "t" | "k" | "l">, agent?: string): KnownBlock[] {
  return [
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Thread*\n<${ref.l}|${mrkdwn(ref.t)}>` },
        { type: "mrkdwn", text: `*Tool*\n\`${mrkdwn(ref.k)}\`` },
        ...(agent ? [{ type: "mrkdwn" as const, text: `*Agent*\n${mrkdwn(agent)}` }] : []),
      ],
    },
  ];
}

/** How a pause's message speaks of what it asks, by kind: an escalation is no customer's question. */
function wordingOf(notice: ThreadWaitingNotice): { title: string; text: string } {
  const agent = mrkdwn(notice.agent);
  const reason = notice.reason ?? "escalated";
  // A child thread (an agent tool's call) names the root of its tree, where its run is watched.
  const thread = notice.root
    ? `(thread ${notice.threadId}, a sub-agent of thread ${notice.root.threadId})`
    : `(thread ${notice.threadId})`;
  const wording = {
    approval: {
      title: `*${agent}* asks for approval to run \`${mrkdwn(notice.tool)}\``,
      text: `${notice.agent} asks for approval to run ${notice.tool} ${thread}`,
    },
    human_input: {
      title: `*${agent}* asks you a question`,
      text: `${notice.agent} asks: ${notice.message ?? notice.tool} ${thread}`,
    },
    escalation: {
      title: `*${agent}* escalated to an operator (${reason}): not a question from the customer`,
      text: `${notice.agent} escalated to an operator (${reason}): ${notice.message ?? notice.tool} ${thread}`,
    },
  } satisfies Record<ThreadWaitingNotice["kind"], { title: string; text: string }>;
  return wording[notice.kind];
}

/** The buttons of a pause's message, by how the call is answered. */
const buttonsFor = {
  decision: (value: string) => [
    button("Approve", ACTIONS.approve, value, "primary"),
    button("Reject", ACTIONS.reject, value, "danger"),
  ],
  response: (value: string) => [button("Reply", ACTIONS.reply, value, "primary")],
} satisfies Record<AnswerKind, (value: string) => Button[]>;

/**
 * The message a pause posts: the thread, the tool, its arguments, the console's link, and
 * Approve / Reject (an approval) or Reply (a question). Its metadata and buttons name the thread
 * and the call, so nothing needs storing to map the message back.
 */
export function waitingMessage(notice: ThreadWaitingNotice) {
  const answer = answerKindOf[notice.kind];
  const approval = answer === "decision";
  const ref: CallRef = {
    t: notice.threadId,
    c: notice.callId,
    k: notice.tool,
    l: consoleLink(notice.link),
    ...(approval ? { h: hashArgs(notice.args) } : {}),
  };
  const value = JSON.stringify(ref);
  const args = JSON.stringify(notice.args ?? null, null, 2);
  const { title, text } = wordingOf(notice);
  const actions: ActionsBlock = {
    type: "actions",
    block_id: "twelve_actions",
    elements: buttonsFor[answer](value),
  };
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: title } },
    ...(notice.message
      ? [
          {
            type: "section" as const,
            text: { type: "mrkdwn" as const, text: clip(mrkdwn(notice.message), 2900) },
          },
        ]
      : []),
    ...callBlocks(ref),
    ...(approval || notice.args !== undefined
      ? [
          {
            type: "section" as const,
            text: {
              type: "mrkdwn" as const,
              text: `*Arguments*\n\`\`\`${clip(mrkdwn(args), 2800)}\`\`\``,
            },
          },
        ]
      : []),
    actions,
  ];
  return {
    text: mrkdwn(text),
    blocks,
    metadata: {
      event_type: SLACK_EVENT_TYPE,
      event_payload: {
        noticeId: notice.id,
        threadId: notice.threadId,
        callId: notice.callId,
        status: notice.status,
      },
    },
  };
}

export type Outcome =
  | { kind: "approved" }
  | { kind: "rejected"; comment: string }
  | { kind: "answered"; response: string }
  | { kind: "already"; reason: string };

/** The message once decided: what was decided, by whom, and the thread it was about. */
export function decidedMessage(
  ref: Pick<CallRef, "t" | "k" | "l">,
  outcome: Outcome,
  user: string,
) {
  const who = `<@${user}>`;
  const said =
    outcome.kind === "approved"
      ? `:white_check_mark: *Approved* by ${who}`
      : outcome.kind === "rejected"
        ? `:x: *Rejected* by ${who}: ${clip(mrkdwn(outcome.comment), 2800)}`
        : outcome.kind === "answered"
          ? `:speech_balloon: *Answered* by ${who}: ${clip(mrkdwn(outcome.response), 2800)}`
          : `:information_source: No longer waiting (${mrkdwn(outcome.reason)})`;
  const about = mrkdwn(`${ref.k} on thread ${ref.t}`);
  const plain =
    outcome.kind === "already"
      ? `No longer waiting: ${about}`
      : `${outcome.kind[0]?.toUpperCase()}${outcome.kind.slice(1)} by ${who}: ${about}`;
  return {
    text: plain,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: said } },
      ...callBlocks(ref),
    ] as KnownBlock[],
  };
}

/** The modal Reject and Reply open: one text input; its submission is the comment or the answer. */
export function inputModal(kind: "reject" | "reply", ref: ModalRef): ModalView {
  const reject = kind === "reject";
  return {
    type: "modal",
    callback_id: reject ? VIEWS.reject : VIEWS.reply,
    private_metadata: JSON.stringify(ref),
    title: { type: "plain_text", text: reject ? "Reject" : "Reply" },
    submit: { type: "plain_text", text: reject ? "Reject" : "Send" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "input",
        block_id: INPUT.block,
        label: {
          type: "plain_text",
          text: reject ? `Why reject ${clip(ref.k, 60)}? (the agent reads this)` : "Your answer",
        },
        element: { type: "plain_text_input", action_id: INPUT.action, multiline: true },
      },
    ],
  };
}

/**
 * The message of a thread that ended: done with its output, or failed with why, and the
 * console's link; its metadata names the notice, so a redelivered notice is posted once.
 */
export function endedMessage(notice: ThreadEndedNotice) {
  const done = notice.status === "done";
  const text = mrkdwn(`${done ? "Done" : "Failed"}: ${notice.agent} thread ${notice.threadId}`);
  const detail = (done ? notice.output : notice.reason) ?? "";
  return {
    text,
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `*${text}*\n${mrkdwn(clip(detail, 2_500))}\n<${consoleLink(notice.link)}|Open in the console>`,
        },
      },
    ],
    metadata: {
      event_type: SLACK_ENDED_TYPE,
      event_payload: { noticeId: notice.id, threadId: notice.threadId, status: notice.status },
    },
  };
}

/**
 * The message a callback wait posts: the thread, the tool, its arguments and the expiry, with the
 * console's link. Nothing to press: the outside world answers it, by its token (never shown).
 */
export function callbackMessage(notice: CallbackWaitingNotice) {
  const text = mrkdwn(
    `${notice.agent} waits for ${notice.tool} to call back, until ${notice.expiresAt} (thread ${notice.threadId})`,
  );
  const args = JSON.stringify(notice.args ?? null, null, 2);
  return {
    text,
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `*${mrkdwn(notice.agent)}* waits for \`${mrkdwn(notice.tool)}\` to call back, until ${mrkdwn(notice.expiresAt)}`,
        },
      },
      ...callBlocks({ t: notice.threadId, k: notice.tool, l: consoleLink(notice.link) }),
      {
        type: "section",
        text: { type: "mrkdwn", text: `*Arguments*\n\`\`\`${clip(mrkdwn(args), 2800)}\`\`\`` },
      },
    ] satisfies KnownBlock[],
    metadata: {
      event_type: SLACK_CALLBACK_TYPE,
      event_payload: {
        noticeId: notice.id,
        threadId: notice.threadId,
        callId: notice.callId,
        status: notice.status,
      },
    },
  };
}
