import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agents } from "../../shared/examples/agents.ts";
import { client } from "../integration/local-stack.ts";
import { lead } from "../support/sub-agent-fixtures.ts";
import { ciTokens, planner, releaser, tester } from "../support/sub-agent-tree-fixtures.ts";
import {
  API_KEY,
  BROWSER_SETUP_MS,
  expectClean,
  type Harness,
  openPage,
  signIn,
  startHarness,
  threadIdOf,
  waitForStatus,
} from "./harness.ts";

const subAgents = (page: Page) => page.getByRole("region", { name: "Sub-agents" });

/** The thread id of the child of `rootId` that runs `agent`, once the root lists it. */
async function childOf(api: ReturnType<typeof client>, rootId: string, agent: string) {
  for (;;) {
    const { body } = await api.get(rootId);
    const child = (body.children ?? []).find((c: { agent: string }) => c.agent === agent);
    if (child) return child.threadId as string;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the web console: a thread's sub-agents", { timeout: 60_000 }, () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ agents: [...agents, lead, planner, releaser, tester] });
  }, BROWSER_SETUP_MS);
  afterAll(() => harness?.stop());

  it("shows the tree at the root, what it waits on, and leads to the child to approve it", async () => {
    // Prepare
    const api = client(harness.stack, API_KEY);
    const launched = await api.launch("lead", "release the api");
    const rootId = launched.body.threadId as string;
    await api.waitFor(`${rootId}-call_1`, "waiting_for_approval");
    const opened = await openPage(harness);
    const { page } = opened;
    // Act
    await signIn(page, harness.stack.url, `/console/threads/${rootId}`);
    await waitForStatus(page, "waiting_for_agent");
    // Assess
    await subAgents(page).getByText("waits for approval of").waitFor();
    expect(await subAgents(page).textContent()).toContain("deploy");
    expect(await subAgents(page).locator(".tree li").allTextContents()).toEqual([
      "deployer waiting_for_approval",
    ]);
    await subAgents(page).locator(".tree li a").click();
    await page.waitForURL(/-call_1$/);
    expect(threadIdOf(page)).toBe(`${rootId}-call_1`);
    await page
      .getByRole("region", { name: "Waiting for approval" })
      .getByRole("button", { name: "Approve" })
      .click();
    await waitForStatus(page, "done");
    expect(await subAgents(page).textContent()).toContain(`A sub-agent of ${rootId}`);
    await api.waitFor(rootId, "done");
    expectClean(opened);
    await opened.close();
  });

  it("nests a grandchild under its child, answers a sub-agent's approval from the root, and sums the tree's usage", async () => {
    // Prepare: planner → researcher → reader (done), then planner → shipper (waits for approval)
    const api = client(harness.stack, API_KEY);
    const rootId = (await api.launch("planner", "plan a release")).body.threadId as string;
    const shipperId = await childOf(api, rootId, "shipper");
    const { pending } = await api.waitFor(shipperId, "waiting_for_approval");
    const callId = pending?.callId as string;
    // An answer sent to the root for the shipper's call is refused, naming the shipper's thread
    const misdirected = await api.respond(rootId, { callId, approved: true });
    expect(misdirected).toMatchObject({
      status: 409,
      body: {
        error: {
          code: "not_pending",
          message: `${callId} is asked on thread ${shipperId}; answer it there`,
        },
      },
    });
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url, `/console/threads/${rootId}`);
    await waitForStatus(page, "waiting_for_agent");
    // Assess: each thread sits under the one that launched it
    const top = subAgents(page).locator(":scope > ul.tree > li");
    await top.nth(1).waitFor();
    expect(await top.locator(":scope > .node").allTextContents()).toEqual([
      "researcher done",
      "shipper waiting_for_approval",
    ]);
    expect(await top.nth(0).locator(":scope > ul.tree > li > .node").allTextContents()).toEqual([
      "reader done",
    ]);
    expect(await top.nth(1).locator("ul.tree").count()).toBe(0);
    // Act: the shipper's approval, with its arguments, answered on the root's page
    const card = page.getByRole("region", { name: "shipper waits for approval" });
    expect(await card.locator("pre").textContent()).toContain('"version":"1.4.2"');
    await card.getByRole("button", { name: "Approve" }).click();
    // Assess: the shipper ends, then the planner; the tree's usage is every call's
    await waitForStatus(page, "done");
    const shipper = await api.get(shipperId);
    expect(shipper.body.events.at(-1)).toMatchObject({ type: "done" });
    expect(
      shipper.body.events.find((e: { type: string }) => e.type === "approval_decision"),
    ).toMatchObject({
      by: { via: "api" },
      data: { approved: true },
    });
    const root = await api.get(rootId);
    // 8 calls of 1,000 in / 10 out on gpt-4o-mini ($0.15 / $0.60 per million)
    expect(root.body.treeUsage).toMatchObject({
      inputTokens: 8_000,
      outputTokens: 80,
      modelCalls: 8,
    });
    expect(root.body.treeUsage.estimatedCostUsd).toBeCloseTo(0.001248, 9);
    expect(await subAgents(page).locator(".tree-usage").textContent()).toBe(
      "The whole tree: 8,000 input tokens, 80 output tokens over 8 model calls: about $0.0012.",
    );
    expectClean(opened);
    await opened.close();
  });

  it("shows a callback wait and its expiry on the thread and at its root; the root's page then shows the sub-agent's next wait", async () => {
    // Prepare: releaser → tester, whose run_ci waits for CI to call back, then ship for approval
    const api = client(harness.stack, API_KEY);
    const rootId = (await api.launch("releaser", "release main")).body.threadId as string;
    const testerId = `${rootId}-call_1`;
    const waiting = await api.waitFor(testerId, "waiting_for_callback");
    const { expiresAt } = (waiting as unknown as { callback: { expiresAt: string } }).callback;
    const opened = await openPage(harness);
    const { page } = opened;
    // Act: the tester's own page
    await signIn(page, harness.stack.url, `/console/threads/${testerId}`);
    await waitForStatus(page, "waiting_for_callback");
    // Assess: the card names the tool and the expiry
    const card = page.getByRole("region", { name: "Waiting for a callback" });
    expect(await card.locator("code").first().textContent()).toBe("run_ci");
    expect(await card.locator("time").nth(1).getAttribute("datetime")).toBe(expiresAt);
    // The root's page shows the tester's wait too
    await subAgents(page).getByRole("link", { name: rootId }).click();
    await waitForStatus(page, "waiting_for_agent");
    const atRoot = page.getByRole("region", { name: "tester waits for a callback" });
    expect(await atRoot.textContent()).toContain("run_ci waits for its answer (call call_1)");
    expect(await atRoot.locator("time").nth(1).getAttribute("datetime")).toBe(expiresAt);
    expect(await subAgents(page).locator(".hint.waiting").textContent()).toContain(
      "tester waits for a callback to run_ci",
    );
    // Act: CI answers by the token, while the root's page stays open
    const token = ciTokens.get(testerId) as string;
    const answered = await fetch(`${harness.stack.url}/callbacks/${token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "passed" }),
    });
    // Assess: the root has no new event, yet its page shows the tester's next wait: an approval
    expect(answered.status).toBe(202);
    const approval = page.getByRole("region", { name: "tester waits for approval" });
    await approval.getByRole("button", { name: "Approve" }).click();
    await waitForStatus(page, "done");
    expect(await atRoot.count()).toBe(0);
    expect((await api.get(testerId)).body.output).toBe("CI passed, shipped");
    expectClean(opened);
    await opened.close();
  });
});
