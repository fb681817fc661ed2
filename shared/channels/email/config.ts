import * as z from "zod";
import { readEnv } from "../../config/read-env.ts";

/** Who is asked, by agent: `"*"` is every agent without a list of its own. */
export type Approvers = Readonly<Record<string, readonly string[]>>;

export interface EmailConfig {
  /** `SMTP_URL`: `smtp://user:pass@host:587` or `smtps://…`; unset in AWS (SES). */
  smtpUrl?: string;
  /** `EMAIL_FROM`: the sender, `bot@example.com` or `Twelve <bot@example.com>`. */
  from: string;
  approvers: Approvers;
  /** `EMAIL_LINK_SECRET`: the HMAC-SHA256 key of the links (32+ characters). */
  linkSecret: string;
  /** `EMAIL_LINK_TTL_SECONDS`: how long a link holds (default 86400, a day). */
  linkTtlSeconds: number;
}

const address = z.email({ error: "must be an email address" });

const approvers = z.string().transform((raw, context): Approvers => {
  const text = raw.trim();
  if (!text.startsWith("{")) {
    const list = text.split(",").map((item) => item.trim());
    const bad = list.filter((item) => !address.safeParse(item).success);
    if (bad.length > 0) {
      context.addIssue({ code: "custom", message: `not an email address: ${bad.join(", ")}` });
      return z.NEVER;
    }
    return { "*": list };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    context.addIssue({
      code: "custom",
      message: 'must be a comma list of addresses or JSON {"*": [...], "<agent>": [...]}',
    });
    return z.NEVER;
  }
  const parsed = z.record(z.string().min(1), z.array(address).min(1)).safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) context.addIssue({ ...issue, code: "custom" });
    return z.NEVER;
  }
  return parsed.data;
});

const secret = z.string().min(32, "must be at least 32 characters");
const ttl = z.coerce
  .number()
  .int()
  .min(60)
  .max(30 * 86_400)
  .default(86_400);

const channelSettings = z.object({
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
  EMAIL_FROM: z
    .string()
    .regex(/^[^@\s<>]+@[^@\s<>]+$|<[^@\s<>]+@[^@\s<>]+>$/, "must be an address"),
  APPROVER_EMAILS: approvers,
  EMAIL_LINK_SECRET: secret,
  EMAIL_LINK_TTL_SECONDS: ttl,
});

const pageSettings = z.object({ EMAIL_LINK_SECRET: secret.optional() });

/**
 * The email channel's settings, or null when email is off (`APPROVER_EMAILS` unset). With it
 * set, `EMAIL_FROM` and `EMAIL_LINK_SECRET` are required; a problem throws a `ConfigError`
 * naming the variable.
 *
 * @example
 * readEmailConfig({
 *   SMTP_URL: "smtp://127.0.0.1:1025",
 *   EMAIL_FROM: "Twelve <twelve@example.com>",
 *   APPROVER_EMAILS: '{"*": ["ops@example.com"], "deploybot": ["lead@example.com"]}',
 *   EMAIL_LINK_SECRET: "at-least-32-characters-of-secret!",
 * });
 */
export function readEmailConfig(env: NodeJS.ProcessEnv = process.env): EmailConfig | null {
  if ((env.APPROVER_EMAILS ?? "") === "") return null;
  const settings = readEnv(channelSettings, env);
  return {
    ...(settings.SMTP_URL ? { smtpUrl: settings.SMTP_URL } : {}),
    from: settings.EMAIL_FROM,
    approvers: settings.APPROVER_EMAILS,
    linkSecret: settings.EMAIL_LINK_SECRET,
    linkTtlSeconds: settings.EMAIL_LINK_TTL_SECONDS,
  };
}

let cached: { raw: string | undefined; secret: string | null } | undefined;

/**
 * The key the pages verify links with (`EMAIL_LINK_SECRET`), or null when email is off; read
 * once per value of the variable.
 */
export function emailLinkSecret(env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env.EMAIL_LINK_SECRET;
  const last = cached;
  if (last && last.raw === raw) return last.secret;
  const secret = readEnv(pageSettings, env).EMAIL_LINK_SECRET ?? null;
  cached = { raw, secret };
  return secret;
}

/** The addresses asked about `agent`'s calls: its own list, else `"*"`'s, else none. */
export function approversOf(
  config: Pick<EmailConfig, "approvers">,
  agent: string,
): readonly string[] {
  const own = (key: string) =>
    Object.hasOwn(config.approvers, key) ? config.approvers[key] : undefined;
  return own(agent) ?? own("*") ?? [];
}
