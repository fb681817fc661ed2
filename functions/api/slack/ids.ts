import { HttpError } from "../http.ts";
import { launchBody } from "../schemas.ts";

/**
 * The longest Slack id taken (team, channel, user, trigger, event, message `ts`, callback, action
 * ids). Slack's own are tens of characters; a longer one would be refused by DynamoDB as a key
 * (2 KB) or carried into every record, so it is refused first.
 */
export const SLACK_ID_MAX = 255;

/** What the HTTP API takes as a message (`POST /threads`), and so what Slack may launch with. */
export const MESSAGE_MAX = launchBody.shape.message.maxLength ?? 32_000;

const ID = new RegExp(`^[\\x21-\\x7e]{1,${SLACK_ID_MAX}}$`);

/**
 * Throws a 400 naming the first of `fields` that is not a Slack id (printable ASCII, at most
 * `SLACK_ID_MAX` characters). An absent or empty one passes: each caller says what is missing.
 *
 * @example
 * checkSlackIds({ user_id: form.get("user_id"), trigger_id: form.get("trigger_id") });
 */
export function checkSlackIds(fields: Record<string, string | null | undefined>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (value && !ID.test(value)) {
      throw new HttpError(
        "invalid_body",
        `${name} is not a Slack id: expected 1-${SLACK_ID_MAX} printable ASCII characters, got ${value.length}`,
      );
    }
  }
}

/** Why `message` cannot go to a thread (it is past the API's limit), or nothing when it fits. */
export const tooLong = (message: string): string | undefined =>
  message.length > MESSAGE_MAX
    ? `the message is ${count(message.length)} characters; the limit is ${count(MESSAGE_MAX)} characters (as for the HTTP API)`
    : undefined;

const count = (n: number): string => n.toLocaleString("en-US");
