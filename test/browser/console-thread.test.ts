import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { client } from "../integration/local-stack.ts";
import {
  API_KEY,
  BROWSER_SETUP_MS,
  type Dom,
  eventTypes,
  expectClean,
  type Harness,
  launch,
  openPage,
  signIn,
  startHarness,
  threadIdOf,
  waitForStatus,
} from "./harness.ts";

const screenshot = (name: string) => fileURLToPath(new URL(`screenshots/${name}`, import.meta.url));

const approval = (page: Page) => page.getByRole("region", { name: "Waiting for approval" });
const output = (page: Page) => page.getByRole("region", { name: "Output" });
const dialog = (page: Page) => page.getByRole("dialog");

/** The pending call's arguments, as the approval panel shows them. */
const pendingArgs = async (page: Page) =>
  JSON.parse((await approval(page).locator("pre").first().textContent()) ?? "null");

// Generous: a loaded two-core machine runs both files side by side.
/** A thread written straight to the store (as a long-running one would be), opened in the console. */
async function openSeeded(harness: Harness, prefix: string, events: ThreadEvent[]) {
  const threadId = `${prefix}_${Date.now()}`;
  await harness.stack.deps.store.create({
    thread: { id: threadId, agent: "calculator", events },
    head: deriveHead(events),
  });
  const opened = await openPage(harness);
  await signIn(opened.page, harness.stack.url, `/console/threads/${threadId}`);
  return opened;
}

describe("the web console: one thread, live, and what a person does with it", {
  timeout: 60_000,
}, () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  }, BROWSER_SETUP_MS);
  afterAll(() => harness?.stop());

  it("launches, shows the call waiting for approval, approves it to done, sums the usage", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    await launch(page, "What is (3 + 4) / 2?");
    await waitForStatus(page, "waiting_for_approval");
    expect(await approval(page).textContent()).toContain("wants to call divide");
    expect(await pendingArgs(page)).toEqual({ a: 7, b: 2 });
    await page.mouse.move(1279, 799);
    await page.screenshot({ path: screenshot("approval.png") });

    await approval(page).getByRole("button", { name: "Approve" }).click();
    await waitForStatus(page, "done");
    expect(await output(page).textContent()).toContain("(3 + 4) / 2 = 3.5");
    expect(await eventTypes(page)).toEqual([
      "user_message",
      "tool_call",
      "tool_result",
      "tool_call",
      "approval_requested",
      "approval_decision",
      "tool_result",
      "tool_call",
      "done",
    ]);
    const timeline = page.getByRole("list", { name: "Timeline" });
    // Who caused it: the launch and the decision came through the API with the key.
    expect(await timeline.getByText("by api-key via api").count()).toBe(2);
    expect(await timeline.getByRole("listitem").nth(5).textContent()).toContain("Approved");
    // Three model calls, 42 input and 7 output tokens each (the test server's usage).
    const usage = (await page.getByRole("region", { name: "Usage" }).textContent()) ?? "";
    expect(usage.replace(/\s+/g, " ")).toContain(
      "126 input tokens, 21 output tokens over 3 model calls",
    );
    expectClean(opened);
    await opened.close();
  });

  it("rejects with a comment, answers the question with new arithmetic, gets the re-proposal", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    await launch(page, "What is (3 + 4) / 2?");
    await waitForStatus(page, "waiting_for_approval");
    await approval(page).getByLabel("Comment").fill("not by two, please");
    await approval(page).getByRole("button", { name: "Reject" }).click();

    await waitForStatus(page, "waiting_for_human");
    const asks = page.getByRole("region", { name: "The agent asks" });
    expect(await asks.textContent()).toContain(
      "I could not finish (3 + 4) / 2: the division was rejected (not by two, please). What should I compute instead?",
    );
    const decision = page.getByRole("list", { name: "Timeline" }).getByRole("listitem").nth(5);
    expect(await decision.textContent()).toContain("Rejected");
    expect(await decision.textContent()).toContain("not by two, please");

    await asks.getByLabel("Reply").fill("8 / 2");
    await asks.getByRole("button", { name: "Send" }).click();
    await waitForStatus(page, "waiting_for_approval");
    expect(await pendingArgs(page)).toEqual({ a: 8, b: 2 });
    expect(await approval(page).textContent()).toContain("wants to call divide");
    await approval(page).getByRole("button", { name: "Approve" }).click();
    await waitForStatus(page, "done");
    expect(await output(page).textContent()).toContain("8 / 2 = 4");
    expectClean(opened);
    await opened.close();
  });

  it("answers a question with a reply, then takes a follow-up turn on the done thread", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    await launch(page, "add some numbers for me");
    await waitForStatus(page, "waiting_for_human");
    const asks = page.getByRole("region", { name: "The agent asks" });
    expect(await asks.textContent()).toContain("Which calculation should I do?");
    // A done thread offers the follow-up box, a waiting one the reply box: never both.
    expect(await page.getByLabel("Follow-up").count()).toBe(0);
    await page.getByLabel("Reply").fill("7 * 0.5");
    await page.getByRole("button", { name: "Send" }).click();
    await waitForStatus(page, "done");
    expect(await output(page).textContent()).toContain("7 * 0.5 = 3.5");
    expect(await page.getByLabel("Reply").count()).toBe(0);

    await page.getByLabel("Follow-up").fill("And 3.5 * 4?");
    await page.getByRole("button", { name: "Send" }).click();
    await output(page).getByText("3.5 * 4 = 14").waitFor();
    await waitForStatus(page, "done");
    const types = await eventTypes(page);
    expect(types.filter((type) => type === "user_message")).toHaveLength(2);
    expect(types.filter((type) => type === "done")).toHaveLength(2);
    expectClean(opened);
    await opened.close();
  });

  it("shows updates made elsewhere within a second or two (it polls)", async () => {
    const api = client(harness.stack, API_KEY);
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    const threadId = await launch(page, "What is 9 / 3?");
    await waitForStatus(page, "waiting_for_approval");
    const { pending } = await api.waitFor(threadId, "waiting_for_approval");
    const answered = await api.respond(threadId, { callId: pending?.callId, approved: true });
    expect(answered.status).toBe(202);
    await waitForStatus(page, "done");
    expect(await output(page).textContent()).toContain("9 / 3 = 3");
    expectClean(opened);
    await opened.close();
  });

  it("cancels a thread after the confirmation step (Keep changes nothing)", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    const threadId = await launch(page, "What is 10 / 4?");
    await waitForStatus(page, "waiting_for_approval");
    await page.getByRole("button", { name: "Cancel thread" }).click();
    expect(await dialog(page).getByRole("heading").textContent()).toBe("Cancel this thread?");
    // The safe answer has the focus; Escape is Keep too.
    const focused = () =>
      page.evaluate(() => (globalThis as unknown as Dom).document.activeElement?.textContent);
    expect(await focused()).toBe("Keep");
    await page.keyboard.press("Escape");
    await dialog(page).waitFor({ state: "hidden" });
    expect(await focused()).toBe("Cancel thread");
    expect((await client(harness.stack, API_KEY).get(threadId)).body.status).toBe(
      "waiting_for_approval",
    );

    await page.getByRole("button", { name: "Cancel thread" }).click();
    await dialog(page).getByRole("button", { name: "Confirm" }).click();
    await waitForStatus(page, "cancelled");
    expect(await approval(page).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Cancel thread" }).count()).toBe(0);
    expect((await eventTypes(page)).at(-1)).toBe("cancelled");
    expectClean(opened);
    await opened.close();
  });

  it("forks from the latest event and from any event, each opening the new thread", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    const original = await launch(page, "What is (1 + 5) / 3?");
    await waitForStatus(page, "waiting_for_approval");

    await page.getByRole("button", { name: "Fork", exact: true }).click();
    await dialog(page).getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(original));
    const fork = threadIdOf(page);
    await page.getByRole("link", { name: original }).waitFor();
    await waitForStatus(page, "waiting_for_approval");
    expect(await pendingArgs(page)).toEqual({ a: 6, b: 3 });
    expect(await page.locator(".meta").textContent()).toContain(`forked from ${original} at #5`);

    // Back to the original; fork it from its first event: the new thread runs again from there.
    await page.getByRole("link", { name: original }).click();
    await waitForStatus(page, "waiting_for_approval");
    const first = page.getByRole("list", { name: "Timeline" }).getByRole("listitem").first();
    await first.getByRole("button", { name: "Fork from here" }).click();
    expect(await dialog(page).getByRole("heading").textContent()).toBe("Fork from event #1?");
    await dialog(page).getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(original));
    expect(threadIdOf(page)).not.toBe(fork);
    await page.getByRole("link", { name: original }).waitFor();
    expect(await page.locator(".meta").textContent()).toContain(`forked from ${original} at #1`);
    await waitForStatus(page, "waiting_for_approval");
    expect(await pendingArgs(page)).toEqual({ a: 6, b: 3 });
    expectClean(opened);
    await opened.close();
  });

  it("deletes a thread after the confirmation step and goes back to the list", async () => {
    const api = client(harness.stack, API_KEY);
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    const threadId = await launch(page, "What is 1 + 1?");
    await waitForStatus(page, "done");
    await page.getByRole("button", { name: "Delete" }).click();
    await dialog(page).getByRole("button", { name: "Keep" }).click();
    expect((await api.get(threadId)).status).toBe(200);
    await page.getByRole("button", { name: "Delete" }).click();
    await dialog(page).getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("heading", { name: "Threads" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/console");
    expect((await api.get(threadId)).status).toBe(404);
    expect(await page.locator(`a[href$="${threadId}"]`).count()).toBe(0);
    expectClean(opened);
    await opened.close();
  });

  it("shows the context the model sees next: the system prompt, the thread, each tool's schema", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    await launch(page, "What is (3 + 4) / 2?");
    await waitForStatus(page, "waiting_for_approval");
    const toggle = page.getByRole("button", { name: "Context" });
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    const context = page.getByRole("region", { name: "Context the model sees next" });
    await context.getByRole("heading", { name: "System prompt" }).waitFor();
    const view = await client(harness.stack, API_KEY).request(
      "GET",
      `/threads/${threadIdOf(page)}/context`,
    );
    const [system, ...rest] = view.body.messages as { role: string; content: string }[];
    const blocks = context.locator(".context-message pre");
    expect(await blocks.first().textContent()).toBe(system?.content);
    expect(await blocks.nth(1).textContent()).toBe(rest[0]?.content);
    expect(rest[0]?.content).toContain("<user_message>\nWhat is (3 + 4) / 2?\n</user_message>");

    const tools = context.locator(".tool");
    expect(await tools.locator(".tool-name").allTextContents()).toEqual(
      (view.body.tools as { name: string }[]).map((tool) => tool.name),
    );
    const divide = tools.filter({ hasText: "divide" });
    await divide.getByText("JSON Schema").click();
    const schema = JSON.parse((await divide.locator("pre").textContent()) ?? "null");
    expect(schema).toEqual(
      (view.body.tools as { name: string; parameters: unknown }[]).find((t) => t.name === "divide")
        ?.parameters,
    );
    expectClean(opened);
    await opened.close();
  });
  it("pages a long thread's older events, collapses a large result, shows the whole thread's usage", async () => {
    // 251 events written straight to the store: a launch, 124 additions, the answer.
    const start = Date.now() - 3_600_000;
    const at = (i: number) => new Date(start + i * 1000).toISOString();
    const usage = { inputTokens: 10, outputTokens: 2 };
    const events: ThreadEvent[] = [
      { type: "user_message", at: at(0), data: { message: "Add one, many times" } },
    ];
    for (let i = 1; i <= 124; i++) {
      const callId = `call_${i}`;
      const args = { a: i, b: 1 };
      events.push({
        type: "tool_call",
        at: at(2 * i),
        data: { callId, tool: "add", args, source: "model", usage },
      });
      const result = i === 124 ? "x".repeat(5000) : i + 1;
      events.push({
        type: "tool_result",
        at: at(2 * i + 1),
        data: { callId, tool: "add", result },
      });
    }
    const done = { callId: "call_done", tool: "done_for_now", args: { message: "125" } };
    events.push({ type: "tool_call", at: at(250), data: { ...done, source: "model", usage } });
    events.push({ type: "done", at: at(251), data: { callId: "call_done", output: "125" } });
    const opened = await openSeeded(harness, "thr_long", events);
    const { page } = opened;
    await waitForStatus(page, "done");
    const items = page.getByRole("list", { name: "Timeline" }).getByRole("listitem");
    expect(await items.count()).toBe(200);
    expect(await items.first().locator(".event-version").textContent()).toBe("#52");
    const usageText = async () =>
      ((await page.getByRole("region", { name: "Usage" }).textContent()) ?? "").replace(
        /\s+/g,
        " ",
      );
    // The whole thread's usage, from the API, though only the last 200 events are loaded.
    expect(await usageText()).toContain(
      "1,250 input tokens, 250 output tokens over 125 model calls. No price for unknown.",
    );

    const large = items.filter({ hasText: "#249" });
    const details = large.locator("details");
    expect(await details.locator("summary").textContent()).toMatch(/^Result \(5,000 characters\)$/);
    expect(await details.getAttribute("open")).toBeNull();
    await details.locator("summary").click();
    expect(await details.locator("pre").textContent()).toBe("x".repeat(5000));

    await page.getByRole("button", { name: "Load older events" }).click();
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(251);
    expect(await items.first().textContent()).toContain("Add one, many times");
    expect(await page.getByRole("button", { name: "Load older events" }).count()).toBe(0);
    expectClean(opened);
    await opened.close();
  });
  it("shows a 1 MB result collapsed and names a 5 MB one by its link, all kept in S3", async () => {
    // Prepare: written straight to the store, whose payload bucket (fauxqs's S3) takes both;
    // recent, so the reconciler (stale after a minute) leaves the running thread alone.
    const start = Date.now() - 10_000;
    const at = (i: number) => new Date(start + i * 1000).toISOString();
    const round = (i: number, result: string): ThreadEvent[] => [
      {
        type: "tool_call",
        at: at(2 * i),
        data: { callId: `call_${i}`, tool: "add", args: { a: i, b: 1 }, source: "model" },
      },
      {
        type: "tool_result",
        at: at(2 * i + 1),
        data: { callId: `call_${i}`, tool: "add", result },
      },
    ];
    const events: ThreadEvent[] = [
      { type: "user_message", at: at(0), data: { message: "Read two big files" } },
      ...round(1, "a".repeat(1_000_000)),
      ...round(2, "b".repeat(5_000_000)),
    ];

    // Act
    const opened = await openSeeded(harness, "thr_big", events);
    const { page } = opened;

    // Assess
    await waitForStatus(page, "running");
    const items = page.getByRole("list", { name: "Timeline" }).getByRole("listitem");
    await expect.poll(() => items.count()).toBe(5);
    const summary = items.filter({ hasText: "#3" }).locator("details summary");
    expect(await summary.textContent()).toBe("Result (1,000,000 characters)");
    const linked = await items.filter({ hasText: "#5" }).textContent();
    expect(linked).toMatch(/5,000,\d{3} bytes of data, too large to show here/);
    expect(linked).toContain("/events/5/data serves it whole");
    expectClean(opened);
    await opened.close();
  });

  it("shows a compaction: the range the model sees as a summary, the tokens, and the summary", async () => {
    const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
    const summary = "3 earlier events compacted: 1 tool calls (add ×1).";
    const events: ThreadEvent[] = [
      { type: "user_message", at: at(0), data: { message: "Add one, many times" } },
      {
        type: "tool_call",
        at: at(1),
        data: {
          callId: "call_1",
          tool: "add",
          args: { a: 0, b: 1 },
          source: "model",
          usage: { inputTokens: 900, outputTokens: 10, model: "gpt-4o-mini" },
        },
      },
      { type: "tool_result", at: at(2), data: { callId: "call_1", tool: "add", result: 1 } },
      {
        type: "compaction",
        at: at(3),
        data: { from: 1, to: 3, method: "elide", summary, tokensBefore: 3100, tokensAfter: 1900 },
      },
    ];
    const opened = await openSeeded(harness, "thr_compacted", events);
    const { page } = opened;
    const item = page
      .getByRole("list", { name: "Timeline" })
      .getByRole("listitem")
      .filter({ hasText: "#4" });
    await expect
      .poll(() => item.textContent())
      .toContain("The model sees events #1–#3 as this elided summary");
    expect(await item.textContent()).toContain("3100 → 1900 tokens per request");
    expect(await item.textContent()).toContain(summary);
    const usage = (await page.getByRole("region", { name: "Usage" }).textContent()) ?? "";
    expect(usage.replace(/\s+/g, " ")).toContain(
      "900 input tokens, 10 output tokens over 1 model call: about $0.0001.",
    );
    expectClean(opened);
    await opened.close();
  });
  it("shows each model call's provider and model, and the cached part of its input", async () => {
    const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
    const usage = {
      inputTokens: 1200,
      outputTokens: 30,
      cacheReadTokens: 1000,
      cacheWriteTokens: 150,
      provider: "bedrock",
      model: "eu.amazon.nova-pro-v1:0",
    };
    const events: ThreadEvent[] = [
      { type: "user_message", at: at(0), data: { message: "What is 2 + 3?" } },
      {
        type: "tool_call",
        at: at(1),
        data: { callId: "call_1", tool: "add", args: { a: 2, b: 3 }, source: "model", usage },
      },
      // Finished, so no step of the stack's worker or reconciler touches the seeded thread.
      { type: "tool_result", at: at(2), data: { callId: "call_1", tool: "add", result: 5 } },
      {
        type: "tool_call",
        at: at(3),
        data: { callId: "call_2", tool: "done_for_now", args: { message: "5" }, source: "model" },
      },
      { type: "done", at: at(3), data: { callId: "call_2", output: "5" } },
    ];
    const opened = await openSeeded(harness, "thr_provider", events);
    await waitForStatus(opened.page, "done");
    const item = opened.page
      .getByRole("list", { name: "Timeline" })
      .getByRole("listitem")
      .filter({ hasText: "#2" });
    await expect.poll(() => item.textContent()).toContain("bedrock · eu.amazon.nova-pro-v1:0");
    expect((await item.textContent())?.replace(/\s+/g, " ")).toContain(
      "1200 input (1000 read from the cache, 150 written to it), 30 output",
    );
    expectClean(opened);
    await opened.close();
  });

  it("shows how soon the model answered each call, derived from the events' timestamps", async () => {
    // Prepare: known gaps between each model call and the event before it
    const start = Date.now() - 600_000;
    const at = (ms: number) => new Date(start + ms).toISOString();
    const by = { principal: "api-key", via: "api" };
    const add = { callId: "call_1", tool: "add", args: { a: 2, b: 3 } };
    const done = { callId: "call_3", tool: "done_for_now", args: { message: "5" } };
    const events: ThreadEvent[] = [
      { type: "user_message", at: at(0), by, data: { message: "What is 2 + 3?" } },
      { type: "tool_call", at: at(125_000), data: { ...add, source: "model" } },
      { type: "tool_result", at: at(125_040), data: { callId: "call_1", tool: "add", result: 5 } },
      { type: "tool_call", at: at(126_380), data: { ...done, source: "model" } },
      { type: "done", at: at(126_380), data: { callId: "call_3", output: "5" } },
    ];

    // Act
    const opened = await openSeeded(harness, "thr_timed", events);
    const { page } = opened;
    await waitForStatus(page, "done");

    // Assess: on the model's two calls only, each from the event before it
    const items = page.getByRole("list", { name: "Timeline" }).getByRole("listitem");
    const times = page.getByRole("list", { name: "Timeline" }).locator(".step-time");
    expect(await times.allTextContents()).toEqual([
      "answered within 2 min 5 s of #1",
      "answered within 1.34 s of #3",
    ]);
    expect(await items.nth(1).locator(".step-time").count()).toBe(1);
    expect(await items.nth(3).locator(".step-time").count()).toBe(1);
    // Labelled as what it is: a span between two timestamps, not a measured duration.
    expect(await times.first().getAttribute("title")).toContain(
      "By the events' timestamps: from #1, the last event the model saw, to #2.",
    );
    expectClean(opened);
    await opened.close();
  });

  it("shows why a failed thread failed, and offers neither cancel nor a follow-up", async () => {
    const now = new Date().toISOString();
    const events: ThreadEvent[] = [
      { type: "user_message", at: now, data: { message: "What is 1 + 2?" } },
      { type: "failed", at: now, data: { reason: "step message dead-lettered after 5 receives" } },
    ];
    const opened = await openSeeded(harness, "thr_failed", events);
    const { page } = opened;
    await waitForStatus(page, "failed");
    expect(await page.getByRole("region", { name: "Failed" }).textContent()).toContain(
      "step message dead-lettered after 5 receives",
    );
    expect(await page.getByRole("button", { name: "Cancel thread" }).count()).toBe(0);
    expect(await page.getByLabel("Follow-up").count()).toBe(0);
    expectClean(opened);
    await opened.close();
  });

  it("shows the tools a thread was pinned to, and which changed under it", async () => {
    const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
    const events: ThreadEvent[] = [
      { type: "user_message", at: at(0), data: { message: "What is 1 + 2?" } },
      {
        type: "tool_set",
        at: at(1),
        data: { fingerprint: "aaaa1111", tools: { add: "a1", done_for_now: "d1" } },
      },
      {
        type: "tool_set",
        at: at(2),
        data: {
          fingerprint: "bbbb2222",
          tools: { add: "a2", divide: "v1", done_for_now: "d1" },
          change: { from: "aaaa1111", added: ["divide"], removed: [], changed: ["add"] },
        },
      },
    ];
    const opened = await openSeeded(harness, "thr_tools", events);
    const { page } = opened;
    await waitForStatus(page, "running");
    const items = page.getByRole("list", { name: "Timeline" }).getByRole("listitem");
    await expect.poll(() => items.count()).toBe(3);
    const text = async (n: number) =>
      ((await items.nth(n).textContent()) ?? "").replace(/\s+/g, " ");
    expect(await text(1)).toContain("Tools pinned (2): add, done_for_now · fingerprint aaaa1111");
    expect(await text(2)).toContain(
      "Tools changed under the thread: added divide; changed add · fingerprint aaaa1111 → bbbb2222",
    );
    expectClean(opened);
    await opened.close();
  });
});
