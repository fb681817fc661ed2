import { createHash } from "node:crypto";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as z from "zod";
import { emailLinkSecret } from "../../../shared/channels/email/config.ts";
import { escapeHtml, prettyArgs } from "../../../shared/channels/email/html.ts";
import { type LinkClaims, linkKindOf, verifyLink } from "../../../shared/channels/email/links.ts";
import { NotPendingError, ThreadClosedError } from "../../../shared/core/errors.ts";
import { hashArgs } from "../../../shared/core/hash.ts";
import {
  type AnswerKind,
  answerKindOf,
  derivePending,
  type Pending,
  type PendingKind,
} from "../../../shared/core/thread.ts";
import { respondToThread } from "../../../shared/runtime/respond-to-thread.ts";
import { consoleHeaders } from "../../console/serve.ts";
import { HttpError } from "../http.ts";
import type { RouteDocs } from "../openapi.ts";
import { bodyText } from "../request.ts";
import type { RouteContext } from "../route.ts";

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}" +
  "pre{background:#f4f4f4;padding:.75rem;overflow:auto}textarea{width:100%;min-height:5rem}" +
  "button{font-size:1rem;margin:.5rem .5rem 0 0;padding:.4rem 1rem}";
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

/**
 * The console's headers, but the page's one form posts back here (`form-action 'self'`), its
 * only style is the one inline block (by hash), there is no script at all, and nothing is cached.
 */
const pageHeaders: Readonly<Record<string, string>> = {
  ...consoleHeaders,
  "content-security-policy": [
    "default-src 'none'",
    `style-src 'sha256-${STYLE_HASH}'`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
};

const page = (
  statusCode: number,
  title: string,
  body: string,
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: pageHeaders,
  body: [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>`,
    `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  ].join("\n"),
});

const refused = (statusCode: number, title: string, why: string) =>
  page(statusCode, title, `<p>${escapeHtml(why)}</p><p>Nothing was changed.</p>`);

interface Opened {
  claims: LinkClaims;
  pending: Pending;
  agent: string;
  token: string;
}

/** A link that does not open its page: the answer (a 4xx page) says why. */
type Refusal = { refused: APIGatewayProxyStructuredResultV2 };

/** The link's claims and the call it names, still waiting, with the arguments the email showed. */
async function open({ deps, event }: RouteContext): Promise<Opened | Refusal> {
  const secret = emailLinkSecret();
  if (!secret) {
    return { refused: refused(404, "Not found", "This deployment sends no email links.") };
  }
  const token = event.queryStringParameters?.t ?? "";
  const verified = verifyLink(secret, token, deps.clock.now());
  if (!verified.ok) {
    const [status, why] =
      verified.problem === "expired"
        ? [410, "This link has expired. Answer in the console or through the API instead."]
        : verified.problem === "bad_signature"
          ? [403, "This link is not valid: its signature does not match."]
          : [400, "This link is incomplete or damaged. Open it exactly as the email gave it."];
    return { refused: refused(status, "Link refused", why) };
  }
  const { claims } = verified;
  const thread = await deps.store.load(claims.threadId);
  if (!thread) return { refused: refused(404, "Not found", "The thread no longer exists.") };
  const pending = derivePending(thread.events);
  if (!pending || pending.callId !== claims.callId || linkKindOf[pending.kind] !== claims.kind) {
    return {
      refused: refused(
        409,
        "Already answered",
        "This call was answered already, or no longer waits.",
      ),
    };
  }
  if (shownHash[answerKindOf[pending.kind]](pending) !== claims.argsHash) {
    return {
      refused: refused(
        409,
        "Link refused",
        "The call's arguments are not the ones the email showed.",
      ),
    };
  }
  return { claims, pending, agent: thread.agent, token };
}

/** The hash of the arguments the email showed: an approval's own, or the asked call's. */
const shownHash = {
  decision: (pending: Pending) => pending.argsHash ?? "",
  response: (pending: Pending) => hashArgs(pending.args),
} satisfies Record<AnswerKind, (pending: Pending) => string>;

/** The title of a call's page. */
const pageTitle = {
  approval: (tool: string) => `Approve ${tool}?`,
  human_input: () => "A question for you",
  escalation: () => "An escalation for an operator",
} satisfies Record<PendingKind, (tool: string) => string>;

const callHtml = ({ claims, pending, agent }: Opened) =>
  [
    `<p>Agent <code>${escapeHtml(agent)}</code>, thread <code>${escapeHtml(claims.threadId)}</code></p>`,
    answerKindOf[pending.kind] === "response" && pending.message
      ? `<p><strong>${escapeHtml(pending.message)}</strong></p>`
      : "",
    `<p>Call: <code>${escapeHtml(pending.tool)}</code></p>`,
    `<pre>${escapeHtml(prettyArgs(pending.args))}</pre>`,
    `<p>You are <code>${escapeHtml(claims.recipient)}</code>.</p>`,
  ].join("\n");

// Relative: the form posts to this very path, whatever stage prefix the gateway puts before it.
const action = (token: string) => `?t=${encodeURIComponent(token)}`;

function formPage(opened: Opened): APIGatewayProxyStructuredResultV2 {
  const target = escapeHtml(action(opened.token));
  const title = pageTitle[opened.pending.kind](opened.pending.tool);
  if (answerKindOf[opened.pending.kind] === "decision") {
    return page(
      200,
      title,
      [
        callHtml(opened),
        `<form method="post" action="${target}">`,
        '<label for="comment">Comment (optional; the agent reads it)</label>',
        '<textarea id="comment" name="comment" maxlength="2000"></textarea>',
        '<button type="submit" name="decision" value="approve">Approve</button>',
        '<button type="submit" name="decision" value="reject">Reject</button>',
        "</form>",
      ].join("\n"),
    );
  }
  return page(
    200,
    title,
    [
      callHtml(opened),
      `<form method="post" action="${target}">`,
      '<label for="response">Your answer</label>',
      '<textarea id="response" name="response" required maxlength="10000"></textarea>',
      '<button type="submit">Send</button>',
      "</form>",
    ].join("\n"),
  );
}

/** `GET /email/decisions?t=…`: the call and its form. Changes nothing. */
export async function showEmailPage(context: RouteContext) {
  const opened = await open(context);
  return "refused" in opened ? opened.refused : formPage(opened);
}

/**
 * `POST /email/decisions?t=…` (the page's form): approves or rejects the call (`decision`,
 * `comment`), or answers the question (`response`), as `{ principal: <recipient>, via: "email" }`.
 * An approval quotes the `argsHash` the email showed.
 */
export async function submitEmailPage(context: RouteContext) {
  const opened = await open(context);
  if ("refused" in opened) return opened.refused;
  const { claims } = opened;
  try {
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(bodyText(context.event, context.maxBodyBytes));
    } catch (error) {
      if (error instanceof HttpError) return refused(error.status, "Not sent", error.message);
      throw error;
    }
    const by = { principal: claims.recipient, via: "email" };
    if (answerKindOf[opened.pending.kind] === "decision") {
      const decision = form.get("decision");
      if (decision !== "approve" && decision !== "reject") {
        return refused(400, "Not sent", "Choose Approve or Reject.");
      }
      const comment = form.get("comment")?.trim().slice(0, 2000) ?? "";
      const approved = decision === "approve";
      await respondToThread(
        context.deps,
        claims.threadId,
        {
          callId: claims.callId,
          approved,
          argsHash: claims.argsHash,
          ...(comment ? { comment } : {}),
        },
        by,
      );
      return page(
        200,
        approved ? "Approved" : "Rejected",
        `<p>Recorded: you ${approved ? "approved" : "rejected"} <code>${escapeHtml(opened.pending.tool)}</code>. The agent goes on.</p>`,
      );
    }
    const response = form.get("response")?.trim() ?? "";
    if (response === "") return refused(400, "Not sent", "Write an answer first.");
    await respondToThread(context.deps, claims.threadId, { callId: claims.callId, response }, by);
    return page(200, "Answer sent", "<p>Recorded: the agent goes on with your answer.</p>");
  } catch (error) {
    if (error instanceof NotPendingError || error instanceof ThreadClosedError) {
      return refused(
        409,
        "Already answered",
        "This call was answered already, or no longer waits.",
      );
    }
    throw error;
  }
}

const linkQuery = z.object({
  t: z.string().describe("the signed link token the email carries"),
});
const refusals = {
  400: { description: "a damaged link, or an empty answer (an HTML page)" },
  403: { description: "a link whose signature does not hold (an HTML page)" },
  404: { description: "no email links here, or the thread is gone (an HTML page)" },
  409: { description: "the call was answered already, or its arguments changed (an HTML page)" },
  410: { description: "an expired link (an HTML page)" },
};

/** What `GET /openapi.json` says of the pages. */
export const emailPageDocs: { show: RouteDocs; submit: RouteDocs } = {
  show: {
    summary: "The page an approval or question email links to (HTML; changes nothing)",
    query: linkQuery,
    responses: { 200: { description: "the call, with its form" }, ...refusals },
  },
  submit: {
    summary:
      "The page's form (application/x-www-form-urlencoded: decision=approve|reject and comment, or response)",
    query: linkQuery,
    responses: { 200: { description: "recorded (an HTML page)" }, ...refusals },
  },
};
