import type { EventOf, ThreadEvent } from "./events.ts";
import type { ModelRequest } from "./ports.ts";
import {
  latestCompaction,
  renderEvent,
  renderEvents,
  renderValue,
  tag,
  truncate,
} from "./render.ts";
import type { TokenCounter } from "./tokens.ts";
import type { ToolSpec } from "./tool.ts";

/**
 * How a budget is shared once a context is compacted: the recent events kept whole may take half
 * of what the system prompt and the tools leave, the summary a quarter; the last quarter is room
 * to grow. So the context changes only at a compaction (its prefix stays stable for prompt
 * caching in between), and a compaction happens about once per quarter of the budget.
 */
export const RECENT_SHARE = 0.5;
export const SUMMARY_SHARE = 0.25;
/** Results this short are kept: eliding them would save nothing. */
const SHORT_RESULT = 32;

/** What a compaction needs to know about the agent. */
export interface CompactionSettings {
  resultBudget: number;
  countTokens: TokenCounter;
  /** The tokens left for the thread once the system prompt and the tools are counted. */
  available: number;
}

/** `data` of a compaction event, but for what the caller measures before and after. */
export type CompactionData = Omit<EventOf<"compaction">["data"], "tokensAfter">;

/**
 * The number of leading events a compaction of `events` replaces: all but the most recent ones
 * whose blocks fit the recent share, cut where a call (or a person's message) starts so no call
 * is parted from its result. Always more than the compaction in force replaced; all of them when
 * the recent events alone are over their share.
 */
export function compactionEnd(
  events: readonly ThreadEvent[],
  settings: CompactionSettings,
): number {
  const previous = latestCompaction(events)?.data.to ?? 0;
  const recentBudget = Math.floor(settings.available * RECENT_SHARE);
  const toolOf = toolNames(events);
  let tokens = 0;
  let end = events.length;
  for (let index = events.length - 1; index >= previous; index--) {
    const block = renderEvent(events[index] as ThreadEvent, toolOf, settings.resultBudget);
    const cost = block === null ? 0 : settings.countTokens(block) + 1;
    if (tokens + cost > recentBudget) break;
    tokens += cost;
    end = index;
  }
  while (end < events.length && !startsGroup(events[end] as ThreadEvent)) end++;
  return end <= previous ? events.length : end;
}

/**
 * The deterministic stand-in for the first `end` events, within the summary share: every person's
 * input (the first message, the task, always; then the most recent that fit half the share),
 * the most recent calls with their arguments and their results elided (results of up to 32
 * characters are kept: a marker would be as long), and a line counting the rest. The same events always give the same text.
 */
export function elide(
  events: readonly ThreadEvent[],
  end: number,
  settings: CompactionSettings,
): CompactionData {
  const { countTokens, resultBudget } = settings;
  const budget = Math.floor(settings.available * SUMMARY_SHARE);
  const range = events.slice(0, end);
  const resultOf = new Map<string, EventOf<"tool_result">>();
  for (const event of range)
    if (event.type === "tool_result") resultOf.set(event.data.callId, event);
  const toolOf = toolNames(range);
  const humans: Item[] = [];
  const calls: Item[] = [];
  const perTool = new Map<string, number>();
  let errors = 0;
  range.forEach((event, index) => {
    switch (event.type) {
      case "user_message":
        humans.push({
          index,
          text: tag("user_message", truncate(event.data.message, resultBudget)),
        });
        break;
      case "human_response":
        humans.push({
          index,
          text: tag("human_response", truncate(event.data.response, resultBudget)),
        });
        break;
      case "approval_decision":
        if (!event.data.approved) {
          const tool = toolOf.get(event.data.callId) ?? "unknown";
          humans.push({ index, text: tag("rejected", event.data.comment ?? "", { tool }) });
        }
        break;
      case "tool_call": {
        const { tool, callId, args } = event.data;
        perTool.set(tool, (perTool.get(tool) ?? 0) + 1);
        const result = resultOf.get(callId);
        const shown = tag(tool, truncate(renderValue(args), resultBudget));
        const text = result ? renderValue(result.data.result) : undefined;
        const elided =
          text === undefined
            ? ""
            : text.length <= SHORT_RESULT
              ? `\n${tag(`${tool}_result`, text)}`
              : `\n<${tool}_result elided="${text.length} chars" />`;
        calls.push({ index, text: `${shown}${elided}` });
        break;
      }
      case "error":
        errors++;
        break;
      default:
        break;
    }
  });
  const callCount = [...perTool.values()].reduce((sum, n) => sum + n, 0);
  const tools = [...perTool.entries()].sort((a, b) => b[1] - a[1]);
  const byTool = [
    ...tools.slice(0, 6).map(([tool, n]) => `${tool} ×${n}`),
    ...(tools.length > 6 ? [`${tools.length - 6} other tools`] : []),
  ].join(", ");
  const keptHumans = pick(humans, Math.floor(budget / 2), countTokens, true);
  const used = keptHumans.reduce((sum, item) => sum + countTokens(item.text) + 1, 0);
  // The header is counted before it is written: it takes at most this many tokens.
  const headerBudget = 80;
  const keptCalls = pick(calls, budget - used - headerBudget, countTokens, false);
  const header =
    `${end} earlier events compacted: ${callCount} tool calls${byTool ? ` (${byTool})` : ""}` +
    `${errors > 0 ? `, ${errors} errors` : ""}. Shown: ${keptHumans.length} of ${humans.length} ` +
    `messages from people, the last ${keptCalls.length} calls; results elided.`;
  const kept = [...keptHumans, ...keptCalls].sort((a, b) => a.index - b.index);
  const summary = fitTokens(
    [header, ...kept.map((item) => item.text)].join("\n"),
    budget,
    countTokens,
  );
  return { from: 1, to: end, method: "elide", summary, tokensBefore: 0 };
}

/** The tool the model calls to write a summary: its only tool in that request. */
export const SUMMARY_TOOL: ToolSpec = {
  name: "write_summary",
  description: "Write the summary that replaces the events shown.",
  parameters: {
    type: "object",
    properties: {
      summary: {
        type: "string",
        description: "Every fact, result, decision and open question the agent still needs.",
      },
    },
    required: ["summary"],
    additionalProperties: false,
  },
};

const SUMMARY_PROMPT =
  "You compact the working memory of an agent. Below are the oldest events of its thread, as " +
  "tagged blocks (a <compacted> block is an earlier summary). Call write_summary once with a " +
  "summary that replaces them: keep the user's requests verbatim, every result the agent may " +
  "still need (numbers, names, ids), decisions by people and open questions; drop chatter. The " +
  "agent will see your summary in place of these events.";

/**
 * The request that asks the model to summarise the first `end` events (the compaction in force
 * among them is shown as its summary, so a summary builds on the one before), and the tool it
 * answers with.
 */
export function summaryRequest(
  events: readonly ThreadEvent[],
  end: number,
  resultBudget: number,
): ModelRequest {
  return {
    messages: [
      { role: "system", content: SUMMARY_PROMPT },
      { role: "user", content: renderEvents(events.slice(0, end), resultBudget) },
    ],
    tools: [SUMMARY_TOOL],
  };
}

/** `text` cut (with a marker) until it counts at most `budget` tokens. */
export function fitTokens(text: string, budget: number, count: TokenCounter): string {
  let fitted = text;
  let chars = text.length;
  while (count(fitted) > budget && chars > 0) {
    chars = Math.floor(chars * 0.8);
    fitted = truncate(text, chars);
  }
  return fitted;
}

interface Item {
  index: number;
  text: string;
}

/**
 * The items that fit `budget` tokens, the most recent first; with `keepFirst`, the first item
 * (a thread's task) before all others.
 */
function pick(items: readonly Item[], budget: number, count: TokenCounter, keepFirst: boolean) {
  const picked: Item[] = [];
  let left = budget;
  const take = (item: Item) => {
    const cost = count(item.text) + 1;
    if (cost > left) return false;
    picked.push(item);
    left -= cost;
    return true;
  };
  const first = items[0];
  if (keepFirst && first && !take(first) && left > 1) {
    const text = fitTokens(first.text, left - 1, count);
    picked.push({ index: first.index, text });
    left -= count(text) + 1;
  }
  for (let i = items.length - 1; i >= (keepFirst ? 1 : 0); i--) {
    if (!take(items[i] as Item)) break;
  }
  return picked;
}

/** A call or a person's message: where a compaction may cut. */
const startsGroup = (event: ThreadEvent): boolean =>
  event.type === "tool_call" || event.type === "user_message";

/** Every call's tool, by call id. */
function toolNames(events: readonly ThreadEvent[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const event of events) {
    if (event.type === "tool_call") names.set(event.data.callId, event.data.tool);
  }
  return names;
}
