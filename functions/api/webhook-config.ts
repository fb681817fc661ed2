import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import * as z from "zod";
import { jsonSetting, readEnv } from "../../shared/config/read-env.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { templateProblem } from "./webhook-template.ts";

/** How a source signs its deliveries: Twelve's own scheme or the sender's. */
export const webhookFormats = ["twelve", "github", "stripe", "standard"] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

const sourceName = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, "source names are lowercase a-z, 0-9 and -");

/** A Standard Webhooks secret: `whsec_` and the base64 of at least 16 bytes. */
const standardSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{22,}={0,2}$/, "a standard secret is whsec_ and base64 (24+ chars)");

const source = z
  .object({
    format: z.enum(webhookFormats, { error: `format is one of ${webhookFormats.join(", ")}` }),
    secret: z.string().min(16, "a webhook secret needs at least 16 characters"),
    /**
     * The launch a delivery makes: the agent, and the message as a template whose
     * `{{json.path}}` places are filled from the payload (`"{{issue.title}}"`). Without it, the
     * body is Twelve's own launch or response.
     */
    launch: z
      .strictObject({
        agent: z.string().min(1).max(64),
        message: z
          .string()
          .min(1)
          .max(2_000)
          .superRefine((template, context) => {
            const problem = templateProblem(template);
            if (problem) context.addIssue({ code: "custom", message: problem });
          }),
      })
      .optional(),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.format === "standard" && !standardSecret.safeParse(value.secret).success) {
      context.addIssue({
        code: "custom",
        path: ["secret"],
        message: "a standard secret is whsec_ and base64 (24+ chars)",
      });
    }
  });
export type WebhookSource = z.output<typeof source>;

/** JSON text parsed, a problem named per source (`WEBHOOK_SOURCES.github.format: ...`). */
const jsonOf = <S extends z.ZodType>(schema: S, what: string) =>
  jsonSetting(schema, `must be a JSON object of ${what}`);

const secrets = z.record(
  sourceName,
  z.string().min(16, "a webhook secret needs at least 16 characters"),
);
const sources = z.record(sourceName, source);
/** What a Secrets Manager secret holds: a source's config, or (the shorthand) its secret. */
const mixed = z.record(
  sourceName,
  z.union([z.string().min(16, "a webhook secret needs at least 16 characters"), source]),
);

const fromEnvironment = z.object({
  WEBHOOK_SECRETS: jsonOf(secrets, "source name to secret").default({}),
  WEBHOOK_SOURCES: jsonOf(sources, "source name to {format, secret, launch?}").default({}),
});
const fromSecret = z.object({ WEBHOOK_SECRETS_ARN: z.string().optional() });
const secretText = z.object({
  WEBHOOK_SECRETS: jsonOf(mixed, "source name to a secret or a source").default({}),
});

/**
 * The webhook sources of the environment: `WEBHOOK_SOURCES` (`{"github": {"format": "github",
 * "secret": "…", "launch": {"agent": "triage", "message": "{{issue.title}}"}}}`) and the
 * shorthand `WEBHOOK_SECRETS` (`{"billing": "…"}`: Twelve's own format). A source named in both
 * is refused. Unset means no webhook sources.
 */
export function readWebhookSources(
  env: NodeJS.ProcessEnv = process.env,
): Record<string, WebhookSource> {
  const { WEBHOOK_SECRETS: shorthand, WEBHOOK_SOURCES: full } = readEnv(fromEnvironment, env);
  return merge(shorthand, full, "WEBHOOK_SECRETS and WEBHOOK_SOURCES");
}

/**
 * The webhook sources of a deployment: `WEBHOOK_SECRETS_ARN` names a Secrets Manager secret
 * holding one JSON object whose values are a source's config or, as a shorthand, its secret
 * (read through Powertools, cached five minutes, so a rotation needs no deploy); otherwise
 * `readWebhookSources` of the environment.
 */
export function webhookSourcesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<Record<string, WebhookSource>> {
  const arn = readEnv(fromSecret, env).WEBHOOK_SECRETS_ARN;
  if (!arn) {
    const read = readWebhookSources(env);
    return async () => read;
  }
  return async () => {
    const raw = await getSecret(arn, { maxAge: 300 });
    return sourcesOfSecret(typeof raw === "string" ? raw : undefined);
  };
}

/** The sources a Secrets Manager secret's text holds (`WEBHOOK_SECRETS_ARN`). */
export function sourcesOfSecret(text: string | undefined): Record<string, WebhookSource> {
  const { WEBHOOK_SECRETS: values } = readEnv(secretText, { WEBHOOK_SECRETS: text });
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      typeof value === "string" ? { format: "twelve" as const, secret: value } : value,
    ]),
  );
}

/** Twelve-format sources from shorthand secrets, merged with full configs; a clash is refused. */
export function merge(
  shorthand: Readonly<Record<string, string>>,
  full: Readonly<Record<string, WebhookSource>>,
  where: string,
): Record<string, WebhookSource> {
  const merged: Record<string, WebhookSource> = {};
  for (const [name, secret] of Object.entries(shorthand))
    merged[name] = { format: "twelve", secret };
  for (const [name, config] of Object.entries(full)) {
    if (Object.hasOwn(merged, name)) {
      throw new ConfigError(`invalid configuration: source "${name}" is named in both ${where}`);
    }
    merged[name] = config;
  }
  return merged;
}
