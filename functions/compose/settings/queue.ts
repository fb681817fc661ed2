import * as z from "zod";
import { type RawSettings, readEnv } from "../../../shared/config/read-env.ts";

// Not z.url(): emulators hand out queue URLs such as http://sqs.us-east-1.127.0.0.1:9324/...
const queueUrl = () => z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) queue URL");

const schema = z.object({ STEP_QUEUE_URL: queueUrl() });

/** The step queue (SQS FIFO) every verb enqueues the next step on. */
export interface QueueSettings {
  url: string;
}

/** `STEP_QUEUE_URL`. */
export function readQueueSettings(env: RawSettings): QueueSettings {
  return { url: readEnv(schema, env).STEP_QUEUE_URL };
}

const inboxSchema = z.object({ INBOX_DLQ_URL: z.string().min(1) });

/** The inbox (an SQS queue other systems send launches and answers to): where bad messages go. */
export interface InboxSettings {
  dlqUrl: string;
}

/** `INBOX_DLQ_URL`. */
export function readInboxSettings(env: RawSettings): InboxSettings {
  return { dlqUrl: readEnv(inboxSchema, env).INBOX_DLQ_URL };
}
