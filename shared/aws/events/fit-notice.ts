/**
 * EventBridge takes events of at most 256 KB (the whole entry), and a notice carries text of the
 * model's or a tool's making: the terminal call's `output`, a failure's `reason`, a question's
 * `message`, a pending call's `args`. A notice that would pass the limit is cut to fit, each cut
 * marked and pointing to the notice's `link`, where the thread has it whole; any other notice is
 * published as it is.
 */

/** One EventBridge event at most, entry and all. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** What a notice's detail may take: the limit, less room for the entry's other fields. */
export const MAX_DETAIL_BYTES = MAX_EVENT_BYTES - 4 * 1024;

/** The notice's fields that may be long, cut in this order of preference (longest first). */
const TEXT_FIELDS = ["output", "reason", "message"] as const;

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

const marker = (cut: number, length: number, link: string) =>
  `… [truncated: ${cut} of ${length} characters; the whole is at ${link}]`;

/**
 * `notice` within `maxBytes` of JSON: its longest text fields cut (with a marker naming how much
 * and the link), then, if that is not enough, its `args` replaced by a note of their size.
 *
 * @example
 * fitNotice({ ...notice, output: "x".repeat(400_000) }).output; // "xxx…… [truncated: …; the whole is at https://…]"
 */
export function fitNotice<T extends { link: string }>(notice: T, maxBytes = MAX_DETAIL_BYTES): T {
  if (bytesOf(notice) <= maxBytes) return notice;
  const fitted: Record<string, unknown> = { ...notice };
  const texts = TEXT_FIELDS.filter((field) => typeof fitted[field] === "string").sort(
    (a, b) => bytesOf(fitted[b]) - bytesOf(fitted[a]),
  );
  for (const field of texts) {
    const text = fitted[field] as string;
    let keep = text.length;
    while (bytesOf(fitted) > maxBytes && keep > 0) {
      // Characters take 1 to 6 bytes as JSON: keep the share of the text that the room left
      // holds at the bytes per character seen so far, then look again.
      const room = maxBytes - (bytesOf(fitted) - bytesOf(fitted[field]));
      const share = room / bytesOf(fitted[field]);
      keep = Math.max(0, Math.min(keep - 1, Math.floor(keep * share)));
      fitted[field] = text.slice(0, keep) + marker(text.length - keep, text.length, notice.link);
    }
    if (bytesOf(fitted) <= maxBytes) return fitted as T;
  }
  if ("args" in fitted) {
    fitted.args = `[truncated: ${bytesOf(fitted.args)} bytes of arguments; the whole is at ${notice.link}]`;
  }
  return fitted as T;
}
