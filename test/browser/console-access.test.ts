import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { hashArgs } from "../../shared/core/hash.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import {
  BROWSER_SETUP_MS,
  expectClean,
  type Harness,
  launch,
  openPage,
  startHarness,
  waitForStatus,
} from "./harness.ts";

const approval = (page: Page) => page.getByRole("region", { name: "Waiting for approval" });

/** A thread waiting for approval of `refund` with `args`, written straight to the store. */
async function seedApproval(harness: Harness, args: Record<string, unknown>): Promise<string> {
  const threadId = `thr_refund_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const at = new Date().toISOString();
  const events: ThreadEvent[] = [
    { type: "user_message", at, data: { message: "Refund order 7731" } },
    { type: "tool_call", at, data: { callId: "call_1", tool: "refund", args, source: "model" } },
    {
      type: "approval_requested",
      at,
      data: { callId: "call_1", tool: "refund", args, argsHash: hashArgs(args) },
    },
  ];
  await harness.stack.deps.store.create({
    thread: { id: threadId, agent: "calculator", events },
    head: deriveHead(events),
  });
  return threadId;
}

// A stack run without AGENT_API_KEY: the console opens without asking for a key.
describe("the web console on a stack without keys, and the approval card", {
  timeout: 60_000,
}, () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ apiKey: null });
  }, BROWSER_SETUP_MS);
  afterAll(() => harness?.stop());

  it("opens straight to the threads when the API answers without a key, with no Sign out", async () => {
    // Act
    const opened = await openPage(harness);
    const { page } = opened;
    await page.goto(`${harness.stack.url}/console`);
    await page.getByRole("heading", { name: "Threads" }).waitFor();

    // Assess: no key asked for, none stored or sent, and the console works
    expect(await page.getByLabel("API key").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    const call = page.waitForRequest((request) => request.url().includes("/threads"));
    const threadId = await launch(page, "What is 2 + 3?");
    expect((await call).headers().authorization).toBeUndefined();
    await waitForStatus(page, "done");
    expect(threadId).toMatch(/^thr_/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expectClean(opened);
    await opened.close();
  });

  it("shows short arguments open (the refund's amount at a glance), long ones collapsed", async () => {
    // Prepare: a refund of 15 fields (249 characters indented: more lines than a block shows
    // open) and one with a 600-character note
    const short = {
      orderId: "ord_7731",
      amount: 249.99,
      currency: "EUR",
      reason: "damaged on arrival",
      customerId: "cus_42",
      method: "card",
      notify: true,
      items: ["sku_1", "sku_2"],
    };
    const long = { ...short, note: "n".repeat(600) };
    const shortId = await seedApproval(harness, short);
    const longId = await seedApproval(harness, long);
    const opened = await openPage(harness);
    const { page } = opened;

    // Act + Assess: the short one open, amount visible, nothing to expand
    await page.goto(`${harness.stack.url}/console/threads/${shortId}`);
    await approval(page).waitFor();
    expect(await approval(page).getByText('"amount": 249.99').isVisible()).toBe(true);
    expect(await approval(page).locator("details").count()).toBe(0);

    // Act + Assess: the long one behind its size, opened on demand
    await page.goto(`${harness.stack.url}/console/threads/${longId}`);
    await approval(page).waitFor();
    const summary = approval(page).locator("details summary");
    expect(await summary.textContent()).toMatch(/^Arguments \([\d,]+ characters\)$/);
    expect(await approval(page).getByText('"amount": 249.99').isVisible()).toBe(false);
    await summary.click();
    expect(await approval(page).getByText('"amount": 249.99').isVisible()).toBe(true);
    expectClean(opened);
    await opened.close();
  });
});
