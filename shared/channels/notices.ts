import * as z from "zod";
import { escalationReasons } from "../core/events.ts";
import type {
  CallbackWaitingNotice,
  ThreadEndedNotice,
  ThreadWaitingNotice,
} from "../core/ports.ts";
import { type PendingKind, pendingKinds } from "../core/thread.ts";

/**
 * What the channels hear of: a thread that waits for a person, one that waits on a callback
 * tool (the outside world), or one that ended.
 */
export const noticeTypes = [
  "thread.waiting",
  "thread.waiting_for_callback",
  "thread.done",
  "thread.failed",
] as const;
export type NoticeType = (typeof noticeTypes)[number];

export type Notice =
  | { type: "thread.waiting"; data: ThreadWaitingNotice }
  | { type: "thread.waiting_for_callback"; data: CallbackWaitingNotice }
  | { type: "thread.done" | "thread.failed"; data: ThreadEndedNotice };

const common = {
  id: z.string().min(1),
  threadId: z.string().min(1),
  agent: z.string(),
  link: z.string(),
  root: z.looseObject({ threadId: z.string().min(1), link: z.string() }).optional(),
};
const waiting = z.looseObject({
  ...common,
  status: z.enum(["waiting_for_approval", "waiting_for_human"]),
  kind: z.enum(pendingKinds).optional(),
  reason: z.enum(escalationReasons).exclude(["tool"]).optional(),
  callId: z.string(),
  tool: z.string(),
  args: z.unknown(),
  message: z.string().optional(),
});
const statusKind = {
  waiting_for_approval: "approval",
  waiting_for_human: "human_input",
} as const satisfies Record<ThreadWaitingNotice["status"], PendingKind>;

const callback = z.looseObject({
  ...common,
  status: z.literal("waiting_for_callback"),
  callId: z.string(),
  tool: z.string(),
  args: z.unknown(),
  expiresAt: z.string(),
});

const ended = z.looseObject({
  ...common,
  status: z.enum(["done", "failed"]),
  version: z.number().int().positive(),
  output: z.string().optional(),
  reason: z.string().optional(),
});

/**
 * The notice an EventBridge event carries (`detail-type` `thread.waiting`,
 * `thread.waiting_for_callback`, `thread.done` or `thread.failed`, the notice as `detail`), or
 * null for any other event.
 */
export function noticeOf(event: unknown): Notice | null {
  const { "detail-type": type, detail } = (event ?? {}) as {
    "detail-type"?: unknown;
    detail?: unknown;
  };
  if (type === "thread.waiting") {
    const parsed = waiting.safeParse(detail);
    if (!parsed.success) return null;
    // A notice published before `kind` was: its status says which, an escalation read as a question.
    const kind = parsed.data.kind ?? statusKind[parsed.data.status];
    return { type, data: { ...parsed.data, kind } as ThreadWaitingNotice };
  }
  if (type === "thread.waiting_for_callback") {
    const parsed = callback.safeParse(detail);
    return parsed.success ? { type, data: parsed.data as CallbackWaitingNotice } : null;
  }
  if (type === "thread.done" || type === "thread.failed") {
    const parsed = ended.safeParse(detail);
    return parsed.success ? { type, data: parsed.data as ThreadEndedNotice } : null;
  }
  return null;
}
