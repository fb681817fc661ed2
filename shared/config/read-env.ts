import * as z from "zod";
import { ConfigError } from "../core/errors.ts";

/** Settings as they arrive: the environment, CDK context, or a secret's JSON. */
export type RawSettings = Readonly<Record<string, unknown>>;

/**
 * The one way a configuration problem reads: `KEY: problem; KEY2: problem`, nested keys joined
 * with dots. A key the schema needs but `input` lacks reads `KEY: is required`.
 *
 * @example
 * describeConfigIssues(result.error.issues, env); // "TABLE_NAME: is required; MAX_BODY_BYTES: ..."
 */
export function describeConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  input: RawSettings = {},
): string {
  return issues
    .map((issue) => {
      const key = issue.path.map(String).join(".") || "(root)";
      const missing =
        issue.code === "invalid_type" &&
        issue.path.length === 1 &&
        input[String(issue.path[0])] === undefined;
      return `${key}: ${missing ? "is required" : issue.message}`;
    })
    .join("; ");
}

/**
 * Reads settings with a zod object schema, the same way for every setting of the project: an
 * empty string counts as unset (so a default applies, and a required key reads as missing),
 * and every problem is named in one `ConfigError`:
 * `invalid configuration: KEY: problem; KEY2: problem`.
 *
 * @example
 * const { STEP_MAX_RECEIVES } = readEnv(
 *   z.object({ STEP_MAX_RECEIVES: z.coerce.number().int().min(1).default(5) }),
 *   process.env,
 * );
 */
export function readEnv<S extends z.ZodObject>(schema: S, env: RawSettings): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    `invalid configuration: ${describeConfigIssues(result.error.issues, present)}`,
    { cause: result.error },
  );
}

/**
 * A setting that holds JSON text, read by `schema`: text that is not JSON is one issue saying
 * what was expected (`expected`), and the parsed value's problems are named by their path
 * (`WEBHOOK_SOURCES.github.format: …`), as any other setting's are.
 *
 * @example
 * const settings = z.object({ NOTIFY_WEBHOOKS: jsonSetting(z.array(target), "must be a JSON array") });
 */
export const jsonSetting = <S extends z.ZodType>(schema: S, expected: string) =>
  z
    .string()
    .transform((raw, context): unknown => {
      try {
        return JSON.parse(raw);
      } catch {
        context.addIssue({ code: "custom", message: expected });
        return z.NEVER;
      }
    })
    .pipe(schema);
