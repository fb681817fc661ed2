import type { Agent } from "./agent.ts";
import type { EventOf, ThreadEvent } from "./events.ts";
import type { ModelRequest } from "./ports.ts";
import { runContextOf } from "./run-context.ts";
import { renderSystemPrompt } from "./system-prompt.ts";
import type { Thread } from "./thread.ts";

/**
 * The context window, owned (factor 3): one system message (the agent's prompt) and one user
 * message holding the whole thread as compact tagged blocks,
 *
 *   <user_message>
 *   what is 3 + 4?
 *   </user_message>
 *   <add>
 *   a: 3
 *   b: 4
 *   </add>
 *   <add_result>
 *   7
 *   </add_result>
 *
 * Errors a later successful call has resolved are hidden, with the call that caused them; tool
 * results longer than the agent's `resultBudget` are cut with a marker.
 */
export function renderContext(agent: Agent, thread: Thread): ModelRequest {
  return {
    messages: [
      { role: "system", content: renderSystemPrompt(agent, runContextOf(agent, thread)) },
      { role: "user", content: renderEvents(thread.events, agent.resultBudget) },
    ],
    tools: agent.tools.map((tool) => tool.spec),
  };
}

/**
 * The thread as tagged blocks, as the model reads it. After a compaction, the events it replaces
 * are shown as its summary, in one `<compacted events="1-612">` block, and only the events after
 * its range follow.
 */
export function renderEvents(events: readonly ThreadEvent[], resultBudget: number): string {
  const compaction = latestCompaction(events);
  const start = compaction ? compaction.data.to : 0;
  const shown = events.slice(start);
  const hidden = resolvedErrors(shown);
  const toolOf = new Map<string, string>();
  const blocks: string[] = compaction ? [compactedBlock(compaction)] : [];
  shown.forEach((event, index) => {
    if (hidden.has(index)) return;
    const block = renderEvent(event, toolOf, resultBudget);
    if (block !== null) blocks.push(block);
  });
  return blocks.join("\n");
}

/** The compaction in force: the last one of the thread, or undefined. */
export function latestCompaction(
  events: readonly ThreadEvent[],
): EventOf<"compaction"> | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ThreadEvent;
    if (event.type === "compaction") return event;
  }
  return undefined;
}

/** The block that stands in for a compaction's range. */
export function compactedBlock(compaction: EventOf<"compaction">): string {
  const { from, to, summary } = compaction.data;
  return tag("compacted", summary, { events: `${from}-${to}` });
}

/**
 * One event as the model reads it (`toolOf` maps call ids to tool names, filled as calls are
 * rendered), or null for an event the model does not see.
 */
export function renderEvent(
  event: ThreadEvent,
  toolOf: Map<string, string>,
  resultBudget: number,
): string | null {
  switch (event.type) {
    case "user_message":
      return tag("user_message", event.data.message);
    case "tool_call":
      toolOf.set(event.data.callId, event.data.tool);
      return tag(event.data.tool, renderValue(event.data.args));
    case "tool_result":
      return tag(
        `${event.data.tool}_result`,
        truncate(renderValue(event.data.result), resultBudget),
      );
    case "error":
      // An outage is not the model's mistake: telling it costs tokens and teaches nothing.
      if (event.data.code === "model_failed") return null;
      return tag("error", event.data.message, event.data.tool ? { tool: event.data.tool } : {});
    case "approval_decision": {
      if (event.data.approved) return null; // the tool's result says it ran
      const tool = toolOf.get(event.data.callId) ?? "unknown";
      return tag("rejected", event.data.comment ?? "", { tool });
    }
    case "human_input_requested":
      // A human tool's call is already shown; an escalation by the runtime is not.
      return event.data.reason === "tool" ? null : tag("escalation", event.data.message);
    case "human_response":
      return tag("human_response", event.data.response);
    case "approval_requested":
    case "child_requested": // the agent tool's call is shown; its result follows
    case "callback_requested": // the call is shown; its answer is its result or an error
    case "callback_started":
    case "tool_retry": // the model sees only the last failure, once the attempts are spent
    case "done":
    case "failed":
    case "retry_requested":
    case "cancelled":
    case "compaction": // only the one in force is shown, in place of its range
      return null;
    case "tool_set": {
      // The model sees the tools themselves; a change is worth a line (a tool it used is gone).
      const change = event.data.change;
      if (!change) return null;
      const parts = (["added", "removed", "changed"] as const)
        .filter((key) => change[key].length > 0)
        .map((key) => `${key}: ${change[key].join(", ")}`);
      return tag("tools_changed", parts.join("\n"));
    }
    default: {
      const unknown: never = event;
      throw new TypeError(`no renderer for event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Indices of errors (and of the calls that caused them) that a later tool result has resolved:
 * once the model got past a mistake, the mistake only costs tokens.
 */
function resolvedErrors(events: readonly ThreadEvent[]): Set<number> {
  const hidden = new Set<number>();
  const callIndex = new Map<string, number>();
  // Stryker disable next-line ArrayDeclaration: `hidden` is read by event index; a string in it never matches one
  let pending: number[] = [];
  events.forEach((event, index) => {
    if (event.type === "tool_call") callIndex.set(event.data.callId, index);
    if (event.type === "error") {
      pending.push(index);
      const call = event.data.callId ? callIndex.get(event.data.callId) : undefined;
      if (call !== undefined) pending.push(call);
    }
    if (event.type === "tool_result") {
      for (const i of pending) hidden.add(i);
      // Stryker disable next-line ArrayDeclaration: `hidden` is read by event index; a string in it never matches one
      pending = [];
    }
  });
  return hidden;
}

export function tag(name: string, body: string, attributes: Record<string, string> = {}): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${value.replaceAll('"', "&quot;")}"`)
    .join("");
  return body === "" ? `<${name}${attrs} />` : `<${name}${attrs}>\n${body}\n</${name}>`;
}

/** Cuts `text` to `budget` characters and says how much was left out. */
export function truncate(text: string, budget: number): string {
  if (text.length <= budget) return text;
  return `${text.slice(0, budget)}\n… [truncated ${text.length - budget} of ${text.length} chars]`;
}

/** Values as compact `key: value` lines: fewer tokens than JSON, as readable. */
export function renderValue(value: unknown, indent = ""): string {
  if (value === null || value === undefined) return "null";
  // Stryker disable next-line StringLiteral: a string that skips this line comes back the same from String(value) below
  if (typeof value === "string") return value;
  if (typeof value !== "object") return String(value);
  const lines: string[] = [];
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    for (const item of value) lines.push(`${indent}- ${listItem(item, `${indent}  `)}`);
    return lines.join("\n");
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "";
  for (const [key, item] of entries) lines.push(`${indent}${key}: ${nested(item, `${indent}  `)}`);
  return lines.join("\n");
}

/** An object in a list starts on the dash's line: `- tag: v1\n  commit: 4f1c`. */
function listItem(value: unknown, indent: string): string {
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isObject || Object.keys(value).length === 0) return nested(value, indent);
  return renderValue(value, indent).slice(indent.length);
}

function nested(value: unknown, indent: string): string {
  if (typeof value === "string") {
    return value.includes("\n") ? `|\n${indent}${value.replaceAll("\n", `\n${indent}`)}` : value;
  }
  if (typeof value === "object" && value !== null) {
    const isEmpty = Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
    if (isEmpty) return Array.isArray(value) ? "[]" : "{}";
    return `\n${renderValue(value, indent)}`;
  }
  return renderValue(value);
}
