import { HttpError } from "./http.ts";

/** One `{{json.path}}` place of a template. */
const PLACE = /\{\{\s*([^{}\s]+)\s*\}\}/g;

/**
 * What is wrong with a launch template, if anything: it fills nothing, or a `{{` or `}}` is not
 * part of a place (`"{{a"`), which would reach the agent as it is. Checked when the settings are
 * read, so such a source never starts.
 *
 * @example
 * templateProblem("Triage {{issue.title"); // "an unclosed or empty {{ }} place: ..."
 */
export function templateProblem(template: string): string | undefined {
  const rest = template.replaceAll(PLACE, "");
  if (rest.includes("{{") || rest.includes("}}")) {
    return `the message template has an unclosed or empty {{ }} place (a place is {{json.path}}): ${JSON.stringify(template)}`;
  }
  if (rest === template) return "the message template fills nothing: add a {{json.path}} place";
  return undefined;
}

/**
 * A launch message made from a webhook payload: each `{{json.path}}` is replaced by the value
 * at that path (dots between keys, numbers for array items: `{{pull_request.labels.0.name}}`).
 * Strings go in as they are, other values as JSON. A path the payload does not hold is a 400
 * naming it, so a sender's change of shape is reported, not launched with a hole.
 *
 * @example
 * fillTemplate("Triage: {{issue.title}}", { issue: { title: "Crash on save" } }, "github");
 * // "Triage: Crash on save"
 */
export function fillTemplate(template: string, payload: unknown, source: string): string {
  return template.replaceAll(PLACE, (_, path: string) => {
    let value: unknown = payload;
    for (const key of path.split(".")) {
      value =
        value !== null && typeof value === "object" && Object.hasOwn(value, key)
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    if (value === undefined || value === null) {
      throw new HttpError(
        "invalid_body",
        `the payload has no "${path}", which the launch template of source "${source}" fills`,
      );
    }
    return typeof value === "string" ? value : JSON.stringify(value);
  });
}
