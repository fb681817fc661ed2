/** `value` safe inside HTML text and attribute values. */
export const escapeHtml = (value: string): string =>
  value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");

/** A call's arguments as people read them. */
export const prettyArgs = (args: unknown): string => JSON.stringify(args, null, 2) ?? "null";
