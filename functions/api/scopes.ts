/**
 * What a key may do: the verbs of the HTTP API and the agents they apply to. Pure decisions, no
 * I/O: the routes ask `refusal` before they read or write anything.
 */

/** Every verb a key can be given, in the order the docs list them. */
export const VERBS = ["read", "launch", "message", "decide", "cancel", "fork", "delete"] as const;

export type Verb = (typeof VERBS)[number];

/**
 * A key's scope: the agents whose threads it may touch and what it may do with them. A field
 * left out means everything (a key given as a plain string has neither).
 */
export interface Scope {
  /** Agent names; undefined: every agent. */
  readonly agents?: readonly string[];
  /** Verbs; undefined: every verb. */
  readonly can?: readonly Verb[];
}

/** A key that may do everything with every agent: the default, as before scopes existed. */
export const FULL_SCOPE: Scope = {};

/** What a request lacks: the verb, the agent, or both. */
export interface Missing {
  verb?: Verb;
  agent?: string;
}

/** Whether `scope` may do `verb` at all (with some agent). */
export const mayDo = (scope: Scope, verb: Verb): boolean =>
  scope.can === undefined || scope.can.includes(verb);

/** Whether `scope` may touch threads of `agent`. */
export const mayUseAgent = (scope: Scope, agent: string): boolean =>
  scope.agents === undefined || scope.agents.includes(agent);

/**
 * What `scope` lacks to do `verb` (with `agent`, when the request names one), or undefined when
 * it may.
 *
 * @example
 * refusal({ can: ["read"] }, "launch", "refunds"); // { verb: "launch" }
 * refusal({ agents: ["refunds"] }, "launch", "calculator"); // { agent: "calculator" }
 */
export function refusal(scope: Scope, verb: Verb, agent?: string): Missing | undefined {
  const missing: Missing = {
    ...(mayDo(scope, verb) ? {} : { verb }),
    ...(agent === undefined || mayUseAgent(scope, agent) ? {} : { agent }),
  };
  return missing.verb === undefined && missing.agent === undefined ? undefined : missing;
}

/**
 * The sentence a 403 answers with: who, what they lack, and what the key may do.
 *
 * @example
 * describeRefusal("desk", { can: ["read"] }, { verb: "launch" });
 * // 'key "desk" may not launch (it may: read)'
 */
export function describeRefusal(principal: string, scope: Scope, missing: Missing): string {
  const what = [
    missing.verb === undefined ? undefined : missing.verb,
    missing.agent === undefined ? undefined : `use agent "${missing.agent}"`,
  ]
    .filter((part) => part !== undefined)
    .join(" or ");
  const may = [
    `it may: ${scope.can === undefined ? "everything" : scope.can.join(", ") || "nothing"}`,
    ...(scope.agents === undefined ? [] : [`agents: ${scope.agents.join(", ")}`]),
  ].join("; ");
  return `key "${principal}" may not ${what} (${may})`;
}

/**
 * The scope as the deployed authorizer passes it to the API (`context.scope`, JSON text), and
 * back. Text that does not read as a scope grants nothing: a fault there must not open the API.
 *
 * @example
 * scopeFromText(scopeToText({ can: ["read"] })); // { can: ["read"] }
 */
export const scopeToText = (scope: Scope): string => JSON.stringify(scope);

export function scopeFromText(text: string): Scope {
  const nothing: Scope = { agents: [], can: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return nothing;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return nothing;
  const { agents, can } = value as { agents?: unknown; can?: unknown };
  const strings = (list: unknown): list is string[] =>
    Array.isArray(list) && list.every((item) => typeof item === "string");
  if (agents !== undefined && !strings(agents)) return nothing;
  if (can !== undefined && !(strings(can) && can.every(isVerb))) return nothing;
  return {
    ...(agents === undefined ? {} : { agents }),
    ...(can === undefined ? {} : { can: can as Verb[] }),
  };
}

export const isVerb = (value: string): value is Verb =>
  (VERBS as readonly string[]).includes(value);
