import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agents } from "../../shared/examples/agents.ts";
import { client } from "../integration/local-stack.ts";
import { lead } from "../support/sub-agent-fixtures.ts";
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

describe("the web console: a thread's sub-agents", { timeout: 60_000 }, () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ agents: [...agents, lead] });
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
});
