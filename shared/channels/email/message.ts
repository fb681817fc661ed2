import type { ThreadEndedNotice, ThreadWaitingNotice } from "../../core/ports.ts";
import { answerKindOf } from "../../core/thread.ts";
import { escapeHtml, prettyArgs } from "./html.ts";

/** The path of the pages a link opens (the confirm page of an approval, the reply page of a question). */
export const EMAIL_PAGES_PATH = "/email/decisions";

/**
 * Where the pages of the deployment that sent `notice` live: its `link` is
 * `<PUBLIC_URL>/threads/<id>`, and the same API serves the pages.
 */
export function pageUrl(notice: ThreadWaitingNotice, token: string): string {
  const base = notice.link.replace(/\/threads\/[^/]*$/, "");
  return `${base}${EMAIL_PAGES_PATH}?t=${encodeURIComponent(token)}`;
}

export interface RequestMail {
  subject: string;
  text: string;
  html: string;
}

/** How a pause's email speaks of what it asks, by kind: an escalation is no customer's question. */
function wordingOf(notice: ThreadWaitingNotice) {
  const reason = notice.reason ?? "escalated";
  const wording = {
    approval: {
      subject: `[${notice.agent}] approve ${notice.tool}?`,
      ask: `The agent "${notice.agent}" waits for your approval of a call.`,
      action: "Approve or reject it",
      label: "Question",
    },
    human_input: {
      subject: `[${notice.agent}] a question: ${oneLine(notice.message ?? notice.tool)}`,
      ask: `The agent "${notice.agent}" asks you a question.`,
      action: "Answer it",
      label: "Question",
    },
    escalation: {
      subject: `[${notice.agent}] escalation for an operator (${reason})`,
      ask: `The agent "${notice.agent}" stopped and escalated to an operator (${reason}). This is not a question from the customer: guide the agent, and it continues.`,
      action: "Reply with guidance",
      label: "Why",
    },
  } satisfies Record<ThreadWaitingNotice["kind"], Record<string, string>>;
  return wording[notice.kind];
}

/** The email asking one person to decide a call, or to answer a question, through `url`. */
export function requestMail(
  notice: ThreadWaitingNotice,
  url: string,
  expiresAt: Date,
): RequestMail {
  // A call answered in words shows what the agent (or the runtime) asked.
  const asked = answerKindOf[notice.kind] === "response" ? notice.message : undefined;
  const args = prettyArgs(notice.args);
  const until = expiresAt.toISOString();
  const { subject, ask, action, label } = wordingOf(notice);
  const question = asked ? [`${label}: ${asked}`, ""] : [];
  const text = [
    ask,
    "",
    ...question,
    `Call: ${notice.tool}`,
    "Arguments:",
    args,
    "",
    `${action} here (the link is yours alone; it holds until ${until}):`,
    url,
    "",
    `Thread ${notice.threadId}: ${notice.link}`,
    ...(notice.root ? [`A sub-agent of thread ${notice.root.threadId}: ${notice.root.link}`] : []),
    "",
  ].join("\n");
  const html = [
    "<!doctype html><html><body>",
    `<p>${escapeHtml(ask)}</p>`,
    asked ? `<p><strong>${escapeHtml(asked)}</strong></p>` : "",
    `<p>Call: <code>${escapeHtml(notice.tool)}</code></p>`,
    `<pre>${escapeHtml(args)}</pre>`,
    `<p><a href="${escapeHtml(url)}">${escapeHtml(action)}</a> (the link is yours alone; it holds until ${escapeHtml(until)}).</p>`,
    `<p>Thread <code>${escapeHtml(notice.threadId)}</code></p>`,
    notice.root
      ? `<p>A sub-agent of thread <code>${escapeHtml(notice.root.threadId)}</code></p>`
      : "",
    "</body></html>",
  ].join("\n");
  return { subject, text, html };
}

const oneLine = (value: string) => {
  const line = value.replace(/\s+/g, " ").trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
};

/** The email that tells the agent's approvers a thread ended: its output, or why it failed. */
export function endedMail(notice: ThreadEndedNotice): RequestMail {
  const done = notice.status === "done";
  const subject = `[${notice.agent}] ${done ? "done" : "failed"}: thread ${notice.threadId}`;
  const detail = (done ? notice.output : notice.reason) ?? "";
  const text = [
    `The agent "${notice.agent}" ${done ? "finished" : "failed"}.`,
    "",
    detail,
    "",
    `Thread ${notice.threadId}: ${notice.link}`,
    "",
  ].join("\n");
  const html = [
    "<!doctype html><html><body>",
    `<p>The agent <code>${escapeHtml(notice.agent)}</code> ${done ? "finished" : "failed"}.</p>`,
    `<pre>${escapeHtml(detail)}</pre>`,
    `<p>Thread <code>${escapeHtml(notice.threadId)}</code></p>`,
    "</body></html>",
  ].join("\n");
  return { subject, text, html };
}
