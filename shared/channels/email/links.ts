import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import type { PendingKind } from "../../core/thread.ts";

/** What a link lets its recipient do: decide an approval, or answer a question. */
export type LinkKind = "approval" | "question";

/** The link an email gives for each kind of call: an approval's, or a question's (answered in words). */
export const linkKindOf = {
  approval: "approval",
  human_input: "question",
  escalation: "question",
} as const satisfies Record<PendingKind, LinkKind>;

/** What a link is signed over: which call of which thread, shown with which arguments, to whom, until when. */
export interface LinkClaims {
  kind: LinkKind;
  threadId: string;
  callId: string;
  /** `hashArgs` of the arguments the email showed. */
  argsHash: string;
  /** The address the email went to: the `by.principal` of the answer. */
  recipient: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

const claims = z.strictObject({
  kind: z.enum(["approval", "question"]),
  threadId: z.string().min(1),
  callId: z.string().min(1),
  argsHash: z.string().regex(/^[0-9a-f]{64}$/),
  recipient: z.string().min(3),
  expiresAt: z.int().positive(),
});

/** Why a link is refused. */
export type LinkProblem = "malformed" | "bad_signature" | "expired";

const mac = (secret: string, payload: string) =>
  createHmac("sha256", secret).update(payload).digest();

/** An HMAC-SHA256 (32 bytes) in base64url without padding. */
const SIGNATURE_CHARS = 43;

/** Strict base64url without padding, its last character's spare bits zero: what encoding gives. */
const canonical = (text: string): boolean =>
  /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, "base64url").toString("base64url") === text;

/**
 * The token of a link: `<claims as base64url JSON>.<HMAC-SHA256 of that part, base64url>`.
 *
 * @example
 * const t = signLink(secret, { kind: "approval", threadId, callId, argsHash, recipient, expiresAt });
 * verifyLink(secret, t, new Date()); // { ok: true, claims }
 */
export function signLink(secret: string, link: LinkClaims): string {
  const payload = Buffer.from(JSON.stringify(link)).toString("base64url");
  return `${payload}.${mac(secret, payload).toString("base64url")}`;
}

/** The claims of a token whose signature holds and which has not expired at `now`. */
export function verifyLink(
  secret: string,
  token: string,
  now: Date,
): { ok: true; claims: LinkClaims } | { ok: false; problem: LinkProblem } {
  const [payload, signature, ...rest] = token.split(".");
  if (!payload || !signature || rest.length > 0) return { ok: false, problem: "malformed" };
  // Decoding forgives padding, spaces and spare bits: only the spelling signLink writes passes,
  // so one link has one token.
  if (!canonical(payload) || !canonical(signature) || signature.length !== SIGNATURE_CHARS) {
    return { ok: false, problem: "malformed" };
  }
  const given = Buffer.from(signature, "base64url");
  const wanted = mac(secret, payload);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return { ok: false, problem: "bad_signature" };
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return { ok: false, problem: "malformed" };
  }
  const parsed = claims.safeParse(value);
  if (!parsed.success) return { ok: false, problem: "malformed" };
  if (parsed.data.expiresAt * 1000 <= now.getTime()) return { ok: false, problem: "expired" };
  return { ok: true, claims: parsed.data };
}
