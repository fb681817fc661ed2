import { eventItem, metaItem } from "../../shared/aws/dynamo/items.ts";
import { threadPk } from "../../shared/aws/dynamo/keys.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { Model, ModelReply, ModelRequest } from "../../shared/core/ports.ts";
import { renderContext } from "../../shared/core/render.ts";
import { headAfter, step } from "../../shared/core/step.ts";
import { deriveHead, type Thread } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/calculator/index.ts";
import { MemoryThreadStore } from "../../shared/runtime/memory-store.ts";
import { steppingClock } from "../../shared/testing/clock.ts";
import { itemSize } from "./dynamo-size.ts";
import { cpuSince } from "./stats.ts";

/** The calculator's tools and prompt, with a step cap above the longest thread measured. */
export const benchAgent = defineAgent({
  name: "calculator",
  prompt: calculator.prompt,
  tools: calculator.tools,
  maxSteps: 1_000_000,
});

export const USER_MESSAGE = "Keep adding 1 to the running total, starting from 0.";

/** The scripted model: step i calls add(i, 1). Its own CPU time is counted so it can be taken out. */
export class CountingModel implements Model {
  calls = 0;
  cpuUs = 0;
  async next(_request: ModelRequest): Promise<ModelReply> {
    const start = process.cpuUsage();
    const reply: ModelReply = { type: "tool_call", tool: "add", args: { a: this.calls, b: 1 } };
    this.calls++;
    this.cpuUs += cpuSince(start);
    return reply;
  }
}

const THREAD_ID = "thr_Qm9vYmVuY2htYXJrdGhyZWFk";

/** A thread after `steps` model steps (each an `add` call and its result). */
export async function buildThread(steps: number): Promise<Thread> {
  const clock = steppingClock();
  let thread = launch({ agent: benchAgent, threadId: THREAD_ID, message: USER_MESSAGE, clock });
  const model = new CountingModel();
  for (let i = 0; i < steps; i++) {
    const { events, next } = await step(thread, { agent: benchAgent, model, clock });
    if (next.type !== "continue") throw new Error(`step ${i} ended with ${next.type}`);
    thread = { ...thread, events: [...thread.events, ...events] };
  }
  return thread;
}

/**
 * CPU microseconds of one step from `thread` (render, decide, persist to a MemoryThreadStore),
 * the model's own time taken out; the mean over `iterations` steps from the same thread.
 */
export async function stepCpuUs(thread: Thread, iterations: number): Promise<number> {
  const stores: MemoryThreadStore[] = [];
  for (let i = 0; i < iterations; i++) {
    const store = new MemoryThreadStore();
    await store.create({ thread, head: deriveHead(thread.events) });
    stores.push(store);
  }
  const clock = steppingClock("2026-02-01T00:00:00.000Z");
  const model = new CountingModel();
  const start = process.cpuUsage();
  for (const store of stores) {
    const read = (await store.load(thread.id)) as Thread;
    const result = await step(read, { agent: benchAgent, model, clock });
    await store.append(read, result.events, headAfter(result));
  }
  return (cpuSince(start) - model.cpuUs) / iterations;
}

const RETENTION_SECONDS = 90 * 86_400;

/** The items DynamoThreadStore writes for an append of `events` to `read`, and their billed size. */
export function appendBytes(read: Thread, events: readonly ThreadEvent[]): number {
  const all = [...read.events, ...events];
  const first = all[0] as ThreadEvent;
  const pk = threadPk(read.id);
  const expiresAt = Math.floor(Date.parse(first.at) / 1000) + RETENTION_SECONDS;
  // An update is billed on the larger of the item before and after: the meta item after.
  const meta = metaItem({
    pk,
    threadId: read.id,
    agent: read.agent,
    ...deriveHead(all),
    version: all.length,
    createdAt: first.at,
    expiresAt,
  });
  let bytes = itemSize(meta);
  events.forEach((event, offset) => {
    bytes += itemSize(eventItem(pk, read.events.length + offset, event));
  });
  return bytes;
}

/** Billed bytes written per step (each step's append) over a thread of `steps` steps. */
export async function bytesPerStep(steps: number): Promise<number[]> {
  const clock = steppingClock();
  let thread = launch({ agent: benchAgent, threadId: THREAD_ID, message: USER_MESSAGE, clock });
  const perStep = [appendBytes({ ...thread, events: [] }, thread.events)];
  const model = new CountingModel();
  for (let i = 0; i < steps; i++) {
    const { events } = await step(thread, { agent: benchAgent, model, clock });
    perStep.push(appendBytes(thread, events));
    thread = { ...thread, events: [...thread.events, ...events] };
  }
  return perStep;
}

/** Twelve's rendered context of `thread`: the text of its system and user messages. */
export function renderedContext(thread: Thread): string {
  return renderContext(benchAgent, thread)
    .messages.map((message) => message.content)
    .join("\n");
}

/**
 * The same thread as standard Chat Completions messages: the system prompt, the user message,
 * then per step an assistant message with `tool_calls` and a `tool` message with the result, as
 * the JSON a client sends. The tool definitions are the same in both formats and left out.
 */
export function chatCompletionsMessages(thread: Thread): string {
  const request = renderContext(benchAgent, thread);
  const messages: unknown[] = [{ role: "system", content: request.messages[0]?.content ?? "" }];
  for (const event of thread.events) {
    if (event.type === "user_message") messages.push({ role: "user", content: event.data.message });
    if (event.type === "tool_call") {
      messages.push({
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: event.data.callId,
            type: "function",
            function: { name: event.data.tool, arguments: JSON.stringify(event.data.args) },
          },
        ],
      });
    }
    if (event.type === "tool_result") {
      messages.push({
        role: "tool",
        tool_call_id: event.data.callId,
        content: JSON.stringify(event.data.result),
      });
    }
  }
  return JSON.stringify(messages);
}
