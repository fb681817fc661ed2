import * as z from "zod";
import { ConfigError } from "./errors.ts";
import {
  isStrictSchema,
  type JsonSchemaObject,
  jsonSchemaInput,
  modelSchema,
} from "./json-schema-tool.ts";
import { strictOptionals } from "./optional-fields.ts";
import type { RunContextOf, RunContextSchema } from "./run-context.ts";

/**
 * What the control flow does with a call (factor 8):
 * - `sync`: run now, append the result, continue;
 * - `approval`: pause until a human approves, then run (or append the rejection and continue);
 * - `human`: pause until a human answers;
 * - `terminal`: the thread is done, the call's `message` is its output;
 * - `agent`: a child thread of another agent runs; its end is the call's result (`agentTool`);
 * - `callback`: record a wait with a single-use token, then `start` the outside work, and pause
 *   until the outside world answers with the call's result (`POST /callbacks/{token}`).
 */
export type ToolKind = "sync" | "approval" | "human" | "terminal" | "agent" | "callback";

/** What a running tool knows about its call. */
export interface ToolContext<C = Record<string, unknown>> {
  threadId: string;
  callId: string;
  /** Stable across retries of the same call: pass it to any side effect (factor 12 + at-least-once). */
  idempotencyKey: string;
  /**
   * The thread's run context: its launch metadata, parsed by the tool's `runContext` schema (typed)
   * when it declares one, else as it is. The same on every step, in every host, and in a fork.
   */
  runContext: C;
}

export type ToolInput = z.ZodObject;

/**
 * What a callback tool's `start` gets beside its call's context: where the outside world sends
 * the result (`url`, which is `POST /callbacks/{token}` on the HTTP API) and the token alone, for
 * a partner that takes a token and a URL of its own.
 */
export interface CallbackToolContext<C = Record<string, unknown>> extends ToolContext<C> {
  callback: { url: string; token: string };
}

/**
 * How a tool's failing run is tried again before the model hears of it: only for errors the tool
 * marks retryable (`new ToolError(message, { retryable: true })`). `attempts` counts every run
 * (2: one retry); `backoff` is the wait before retry `n` (1, 2, ...): a number of milliseconds,
 * or `{ initialMs, factor?, maxMs? }` for exponential (`initialMs * factor^(n-1)`, capped).
 */
export interface RetryPolicy {
  attempts: number;
  backoff?: number | { initialMs: number; factor?: number; maxMs?: number };
}

/** The wait before retry `n` (1-based) of `policy`, in milliseconds. */
export function retryDelayMs(policy: RetryPolicy, n: number): number {
  const { backoff = 0 } = policy;
  if (typeof backoff === "number") return backoff;
  const { initialMs, factor = 2, maxMs = Number.POSITIVE_INFINITY } = backoff;
  return Math.min(maxMs, Math.round(initialMs * factor ** (n - 1)));
}

type RunnableKind = "sync" | "approval";
type PausingKind = "human" | "terminal";

export type ToolDefinition<
  S extends ToolInput = ToolInput,
  R extends RunContextSchema | undefined = RunContextSchema | undefined,
> =
  | {
      name: string;
      description: string;
      input: S;
      kind: RunnableKind;
      /**
       * The launch metadata this tool reads (a zod object): `run` gets it parsed and typed as
       * `context.runContext`. The agent using the tool must declare a `runContext` too, so a
       * launch without these fields is refused (400 `invalid_metadata`) before anything runs.
       */
      runContext?: R;
      // Method syntax on purpose: a tool with specific args stays assignable to `Tool`.
      run(args: z.output<S>, context: ToolContext<RunContextOf<R>>): Promise<unknown> | unknown;
      /**
       * Approval tools only: milliseconds a request may wait for a decision. Past it, the
       * reconciler's sweep rejects the call, saying it expired, and the loop goes on; a decision
       * that comes later gets 409.
       */
      approvalTimeoutMs?: number;
      /** Runs again on errors marked retryable, with the same idempotency key (see `RetryPolicy`). */
      retry?: RetryPolicy;
    }
  | {
      name: string;
      description: string;
      input: S;
      kind: "callback";
      runContext?: R;
      /**
       * Starts the outside work (a CI job, a payment, a partner's webhook). Runs once the wait is
       * saved, so an answer can never come before it; hand `context.callback.url` (or the token)
       * to whoever answers, and `context.idempotencyKey` to anything with side effects. What it
       * returns is ignored; a throw closes the call with an error the model reads.
       */
      start(
        args: z.output<S>,
        context: CallbackToolContext<RunContextOf<R>>,
      ): Promise<unknown> | unknown;
      /** Milliseconds the call waits for its answer; then the model reads "callback expired". */
      timeoutMs: number;
      /**
       * The schema of the answer's body: one that does not pass is refused (400) and nothing is
       * written. Default: any JSON.
       */
      result?: z.ZodType;
      run?: undefined;
    }
  | {
      name: string;
      description: string;
      input: S;
      kind: PausingKind;
      runContext?: R;
      run?: undefined;
    }
  | {
      name: string;
      description: string;
      input: S;
      kind: "agent";
      runContext?: undefined;
      run?: undefined;
      /** The agent whose child thread answers the call (an `Agent`; see `agentTool`). */
      agent: ChildAgent;
      /** The child thread's first message, from the call's arguments. */
      message(args: z.output<S>): string;
    };

/**
 * A tool whose input is described by JSON Schema (`parameters`) instead of zod, as MCP servers
 * describe theirs: the arguments are checked against the schema before `run` gets them.
 */
export type JsonSchemaToolDefinition<
  R extends RunContextSchema | undefined = RunContextSchema | undefined,
> =
  | {
      name: string;
      description: string;
      parameters: JsonSchemaObject;
      kind: RunnableKind;
      runContext?: R;
      run(args: Record<string, unknown>, context: ToolContext<RunContextOf<R>>): unknown;
      approvalTimeoutMs?: number;
    }
  | {
      name: string;
      description: string;
      parameters: JsonSchemaObject;
      kind: PausingKind;
      runContext?: R;
      run?: undefined;
    };

/**
 * The agent an agent tool launches, as the tool sees it: an `Agent` (agent.ts imports this file,
 * so the tool names only what it reads of it).
 */
export interface ChildAgent {
  readonly name: string;
  readonly runContext: RunContextSchema | undefined;
  readonly tools: readonly Tool[];
}

/** A tool as the model sees it: a strict JSON Schema generated from the zod input (factor 4). */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  /**
   * `false` for a JSON-Schema tool whose schema strict function calling cannot take (optional
   * properties, open objects): the adapter sends it non-strict. Absent means strict.
   */
  strict?: false;
}

/** A tool definition plus its generated schema, ready for the reducer. */
export type Tool<
  S extends ToolInput = ToolInput,
  R extends RunContextSchema | undefined = RunContextSchema | undefined,
> = ToolDefinition<S, R> & { readonly spec: ToolSpec };

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Defines a tool: name, description, zod input, kind and (for `sync` and `approval`) a handler.
 *
 * @example
 * const add = defineTool({
 *   name: "add",
 *   description: "Add two numbers",
 *   input: z.object({ a: z.number(), b: z.number() }),
 *   kind: "sync",
 *   run: ({ a, b }) => a + b,
 * });
 *
 * Or with a JSON Schema as `parameters` instead of a zod `input` (checked before `run`):
 *
 * @example
 * const lookup = defineTool({
 *   name: "lookup",
 *   description: "Find a customer",
 *   parameters: { type: "object", properties: { email: { type: "string" } }, required: ["email"] },
 *   kind: "sync",
 *   run: ({ email }) => customers.find(String(email)),
 * });
 */
export function defineTool<S extends ToolInput, R extends RunContextSchema | undefined = undefined>(
  definition: ToolDefinition<S, R>,
): Tool<S, R>;
export function defineTool<R extends RunContextSchema | undefined = undefined>(
  definition: JsonSchemaToolDefinition<R>,
): Tool<ToolInput, R>;
export function defineTool(definition: ToolDefinition | JsonSchemaToolDefinition): Tool {
  if (!TOOL_NAME.test(definition.name)) {
    throw new ConfigError(
      `tool name "${definition.name}" must match ${TOOL_NAME} (the model APIs' rule)`,
    );
  }
  const { kind, run, approvalTimeoutMs, retry } = definition as {
    kind: ToolKind;
    run?: unknown;
    approvalTimeoutMs?: unknown;
    retry?: unknown;
  };
  if (kind === "callback") assertCallback(definition as CallbackFields);
  if (retry !== undefined) assertRetry(definition.name, kind, retry);
  if ((kind === "sync" || kind === "approval") && typeof run !== "function") {
    throw new ConfigError(`tool "${definition.name}" is of kind ${kind} and needs run()`);
  }
  if (approvalTimeoutMs !== undefined) {
    if (kind !== "approval") {
      throw new ConfigError(`tool "${definition.name}": approvalTimeoutMs is for approval tools`);
    }
    if (!Number.isInteger(approvalTimeoutMs) || (approvalTimeoutMs as number) < 1) {
      throw new ConfigError(
        `tool "${definition.name}": approvalTimeoutMs must be a positive integer of milliseconds`,
      );
    }
  }
  if ("parameters" in definition) {
    const { parameters, ...rest } = definition;
    const input = jsonSchemaInput(definition.name, parameters);
    const spec: ToolSpec = {
      name: definition.name,
      description: definition.description,
      parameters: modelSchema(parameters),
      ...(isStrictSchema(parameters) ? {} : { strict: false as const }),
    };
    return Object.freeze({ ...rest, input, parameters, spec }) as Tool;
  }
  const spec: ToolSpec = {
    name: definition.name,
    description: definition.description,
    parameters: strictJsonSchema(definition.name, definition.input),
  };
  return Object.freeze({ ...definition, spec }) as Tool;
}

interface CallbackFields {
  name: string;
  start?: unknown;
  timeoutMs?: unknown;
  result?: unknown;
}

function assertCallback({ name, start, timeoutMs, result }: CallbackFields): void {
  if (typeof start !== "function") {
    throw new ConfigError(`tool "${name}" is of kind callback and needs start()`);
  }
  if (!Number.isInteger(timeoutMs) || (timeoutMs as number) < 1) {
    throw new ConfigError(
      `tool "${name}": timeoutMs must be a positive integer of milliseconds (how long a callback waits)`,
    );
  }
  if (result !== undefined && !(result instanceof z.ZodType)) {
    throw new ConfigError(`tool "${name}": result must be a zod schema of the callback's body`);
  }
}

function assertRetry(name: string, kind: ToolKind, retry: unknown): void {
  if (kind !== "sync" && kind !== "approval") {
    throw new ConfigError(`tool "${name}": retry is for sync and approval tools (they run)`);
  }
  const { attempts, backoff } = (retry ?? {}) as { attempts?: unknown; backoff?: unknown };
  if (!Number.isInteger(attempts) || (attempts as number) < 1 || (attempts as number) > 10) {
    throw new ConfigError(`tool "${name}": retry.attempts must be an integer from 1 to 10`);
  }
  const delays =
    typeof backoff === "object" && backoff !== null
      ? Object.values(backoff as Record<string, unknown>)
      : backoff === undefined
        ? []
        : [backoff];
  if (delays.some((value) => typeof value !== "number" || !(value >= 0))) {
    throw new ConfigError(
      `tool "${name}": retry.backoff must be milliseconds (>= 0) or { initialMs, factor?, maxMs? }`,
    );
  }
}

/**
 * zod's own JSON Schema output, checked against the rules of strict function calling: every object
 * closed (`additionalProperties: false`) and every property required (an `.optional()` field is
 * sent as a required, nullable one: `strictOptionals`; a `null` for it reads as absent:
 * `parseToolArgs`). A schema that breaks them is a configuration error at definition time, not a
 * 400 from the model API at run time.
 */
export function strictJsonSchema(toolName: string, input: ToolInput): Record<string, unknown> {
  let schema: Record<string, unknown>;
  try {
    // Stryker disable next-line ObjectLiteral: these are zod's defaults; the options only pin them
    schema = z.toJSONSchema(input, { io: "output", target: "draft-2020-12" });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const where = unrepresentablePaths(input).join(", ") || "input";
    throw new ConfigError(
      `tool "${toolName}": ${where} cannot be expressed as JSON Schema (${reason}); ` +
        "the model sends JSON, so use a type JSON can carry (a string such as z.iso.datetime() " +
        "for a date, a number for a bigint, an array for a set, no .transform())",
      { cause },
    );
  }
  delete schema.$schema;
  const strict = strictOptionals(schema) as Record<string, unknown>;
  assertStrict(toolName, strict, "input");
  return strict;
}

/** Where in `input` zod meets a type JSON Schema cannot express, as `input.properties.x` paths. */
function unrepresentablePaths(input: ToolInput): string[] {
  const paths = new Set<string>();
  z.toJSONSchema(input, {
    io: "output",
    target: "draft-2020-12",
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema, path }) => {
      const type = (zodSchema as { _zod: { def: { type: string } } })._zod.def.type;
      // `any` and `unknown` are `{}` by design; anything else left empty is unrepresentable.
      if (Object.keys(jsonSchema).length === 0 && type !== "any" && type !== "unknown") {
        paths.add(["input", ...path].join("."));
      }
    },
  });
  return [...paths];
}

function assertStrict(toolName: string, node: unknown, path: string): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => {
      assertStrict(toolName, child, `${path}[${i}]`);
    });
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const schema = node as Record<string, unknown>;
  if (schema.type === "object") {
    // A record (`z.record`) is an object with open keys: strict function calling refuses it.
    const keys = Object.keys((schema.properties as object | undefined) ?? {});
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const optional = keys.filter((key) => !required.has(key));
    if (optional.length > 0) {
      throw new ConfigError(
        `tool "${toolName}": ${path} has optional properties (${optional.join(", ")}); ` +
          "strict function calling needs every property required: use .nullable() instead",
      );
    }
    if (schema.additionalProperties !== false) {
      throw new ConfigError(
        `tool "${toolName}": ${path} must not allow additional properties` +
          (schema.properties
            ? " (a .loose(), .passthrough() or .catchall() object: use z.object or .strict(); " +
              "strict function calling needs every object closed, so the model cannot add fields " +
              "the tool never reads)"
            : " (a z.record: use a z.object with named keys, or an array)"),
      );
    }
  }
  for (const [key, child] of Object.entries(schema)) {
    assertStrict(toolName, child, `${path}.${key}`);
  }
}

/** The idempotency key a tool receives: derived from thread id + call id, so retries share it. */
export const idempotencyKey = (threadId: string, callId: string): string => `${threadId}:${callId}`;
