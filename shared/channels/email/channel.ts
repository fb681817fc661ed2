import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { SESTransportOptions } from "nodemailer";
import { explained } from "../../config/peers.ts";
import { ConfigError } from "../../core/errors.ts";
import { hashArgs } from "../../core/hash.ts";
import type { ThreadWaitingNotice } from "../../core/ports.ts";
import type { Channel } from "../channel.ts";
import type { Notice } from "../notices.ts";
import { approversOf, type EmailConfig } from "./config.ts";
import { linkKindOf, signLink } from "./links.ts";
import { endedMail, pageUrl, requestMail } from "./message.ts";

/** One email to send: what nodemailer's `sendMail` takes, as much of it as this channel uses. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/**
 * Where the emails go: a nodemailer transporter (`smtpTransport(url)` locally; in AWS, the SES
 * v2 transport `createTransport({ SES: { sesClient, SendEmailCommand } })`), or a fake in tests.
 */
export interface MailTransport {
  sendMail(mail: OutgoingMail): Promise<unknown>;
}

export interface EmailDeliveryOptions {
  /** The clock the links' expiry counts from. */
  now?: () => Date;
  /** Tries per recipient before giving up (default 3), waiting `backoffMs`, then twice that. */
  attempts?: number;
  backoffMs?: number;
}

/** A nodemailer SMTP transporter for `SMTP_URL` (`smtp://user:pass@host:port`, `smtps://…`). */
export const smtpTransport = (url: string): MailTransport =>
  lazyTransport(async () =>
    // Seconds, not nodemailer's minutes: a notify invocation has a deadline.
    (await nodemailer()).createTransport({
      url,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    }),
  );

/**
 * A nodemailer SES (v2) transporter: pass `{ sesClient: new SESv2Client({}), SendEmailCommand }`
 * from `@aws-sdk/client-sesv2` (the function needs `ses:SendEmail` on the sender's identity).
 */
export const sesTransport = (ses: SESTransportOptions["SES"]): MailTransport =>
  lazyTransport(async () => (await nodemailer()).createTransport({ SES: ses }));

/**
 * A transporter made on the first mail: `nodemailer` is an optional peer, loaded only by a
 * deployment that sends email.
 */
function lazyTransport(create: () => Promise<MailTransport>): MailTransport {
  let transport: Promise<MailTransport> | undefined;
  return {
    async sendMail(mail) {
      transport ??= create();
      return (await transport).sendMail(mail);
    },
  };
}

async function nodemailer(): Promise<typeof import("nodemailer")> {
  try {
    return await import("nodemailer");
  } catch (error) {
    throw explained(error, "the email channel");
  }
}

// Remembered per process, so a redelivered notice skips the recipients it already reached.
const SENT_LIMIT = 1000;

/**
 * The email channel (factor 7): a thread waiting for approval or for an answer sends every
 * approver of its agent (`APPROVER_EMAILS`) an email with the call, its arguments and a link of
 * their own, signed (HMAC-SHA256 over thread, call, `argsHash`, recipient and expiry) and
 * expiring, to a page of this API where they decide or answer. Each recipient is tried
 * `attempts` times; then it throws, naming who was not reached.
 *
 * @example
 * const email = emailChannel(config, smtpTransport("smtp://127.0.0.1:1025"));
 */
export function emailChannel(
  config: EmailConfig,
  transport: MailTransport,
  options: EmailDeliveryOptions = {},
): Channel {
  const now = options.now ?? (() => new Date());
  const attempts = options.attempts ?? 3;
  const sent = new Set<string>();
  const domain = config.from.replace(/^.*@/, "").replace(/>.*$/, "");

  /** A pause's email, with the recipient's own signed link. */
  const pauseMail = (data: ThreadWaitingNotice, recipient: string) => {
    const expiresAt = Math.floor(now().getTime() / 1000) + config.linkTtlSeconds;
    const token = signLink(config.linkSecret, {
      kind: linkKindOf[data.kind],
      threadId: data.threadId,
      callId: data.callId,
      argsHash: hashArgs(data.args),
      recipient,
      expiresAt,
    });
    return requestMail(data, pageUrl(data, token), new Date(expiresAt * 1000));
  };

  const sendOne = async (notice: Notice, recipient: string) => {
    const key = `${notice.data.id} ${recipient}`;
    if (sent.has(key) || notice.type === "thread.waiting_for_callback") return;
    const mail =
      notice.type === "thread.waiting" ? pauseMail(notice.data, recipient) : endedMail(notice.data);
    // Stable per notice and recipient: a mail client shows a redelivery once.
    const messageId = `<${createHash("sha256").update(key).digest("hex").slice(0, 32)}@${domain}>`;
    let last = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await transport.sendMail({ from: config.from, to: recipient, messageId, ...mail });
        if (sent.size >= SENT_LIMIT) sent.clear();
        sent.add(key);
        return;
      } catch (error) {
        last = (error as Error).message;
      }
      if (attempt < attempts) await sleep((options.backoffMs ?? 500) * 2 ** (attempt - 1));
    }
    throw new Error(`${recipient}: ${last}`);
  };

  return {
    name: "email",
    // A callback wait asks no person for anything (the outside world answers it): no email.
    wants: (notice) =>
      notice.type !== "thread.waiting_for_callback" &&
      approversOf(config, notice.data.agent).length > 0,
    async deliver(notice) {
      const recipients = approversOf(config, notice.data.agent);
      const results = await Promise.allSettled(recipients.map((to) => sendOne(notice, to)));
      const failed = results.flatMap((r) =>
        r.status === "rejected" ? [(r.reason as Error).message] : [],
      );
      if (failed.length > 0) {
        throw new Error(
          `email did not reach ${failed.length} of ${recipients.length} for notice ${notice.data.id}: ${failed.join("; ")}`,
        );
      }
    },
  };
}

/**
 * The email channel of `env` (`readEmailConfig`), or null when email is off. Without
 * `transport`, `SMTP_URL` is required (in AWS, pass the SES transport).
 */
export function emailChannelFromConfig(
  config: EmailConfig | null,
  transport?: MailTransport,
  options?: EmailDeliveryOptions,
): Channel | null {
  if (!config) return null;
  const chosen = transport ?? (config.smtpUrl ? smtpTransport(config.smtpUrl) : undefined);
  if (!chosen) {
    throw new ConfigError("invalid configuration: SMTP_URL: is required (or an SES transport)");
  }
  return emailChannel(config, chosen, options);
}
