import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { client, startTestStack } from "../integration/local-stack.ts";
import { launchChromium } from "../support/chromium.ts";
import { BROWSER_SETUP_MS, expectClean, type Harness, openPage, signIn } from "./harness.ts";

const ADMIN = "admin-console-key-0123456789";
const READER = "reader-console-key-0123456789";
const LAUNCHER = "launcher-console-key-0123456789";

// The console with a read-only key (AGENT_API_KEYS scope): it hides what the key may not do.
describe("the web console with a key that may only read", { timeout: 60_000 }, () => {
  let harness: Harness;
  let threadId: string;

  beforeAll(async () => {
    const [stack, browser]: [LocalStack, Harness["browser"]] = await Promise.all([
      startTestStack({
        apiKeys: {
          admin: ADMIN,
          reader: { key: READER, can: ["read"] },
          launcher: { key: LAUNCHER, can: ["launch"] },
        },
      }),
      launchChromium(),
    ]);
    harness = {
      stack,
      browser,
      chat: undefined as never,
      stop: async () => {
        await browser.close();
        await stack.stop();
      },
    };
    const admin = client(stack, ADMIN);
    threadId = (await admin.launch("calculator", "What is 6 / 3?")).body.threadId;
    await admin.waitFor(threadId, "waiting_for_approval");
  }, BROWSER_SETUP_MS);
  afterAll(() => harness?.stop());

  const controls = ["Approve", "Reject", "Cancel thread", "Fork", "Delete", "Fork from here"];

  it("shows threads but no launch form, decisions, cancel, fork or delete", async () => {
    // Act
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url, "/console", READER);
    await page.getByRole("heading", { name: "Threads" }).waitFor();
    const launchForm = await page.getByRole("heading", { name: "Launch" }).count();
    await page.goto(`${harness.stack.url}/console/threads/${threadId}`);
    await page.getByRole("list", { name: "Timeline" }).waitFor();
    await page.getByRole("button", { name: "Context" }).waitFor();

    // Assess
    expect(launchForm).toBe(0);
    for (const name of controls) {
      expect(await page.getByRole("button", { name, exact: true }).count(), name).toBe(0);
    }
    expectClean(opened);
    await opened.close();
  });

  it("lists no threads to a key that may only launch, and shows a launch's id and status in place", async () => {
    // Prepare
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url, "/console", LAUNCHER);
    await page.getByText("This key may not read threads").waitFor();

    // Act
    await page.getByLabel("Message").fill("What is 2 + 2?");
    await page.getByRole("button", { name: "Launch" }).click();
    const launched = page.getByRole("status").filter({ hasText: "Launched thread" });
    await launched.waitFor();

    // Assess: no 403 asked for, nothing opened; the thread the launch made is the one shown
    expect(await page.getByText("It may: launch.").count()).toBe(1);
    expect(await page.getByRole("alert").count()).toBe(0);
    const threadId = (await launched.locator("code").textContent()) ?? "";
    expect((await client(harness.stack, ADMIN).get(threadId)).status).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/console");
    expectClean(opened);
    await opened.close();
  });

  it("shows every control to a key that may do everything", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url, `/console/threads/${threadId}`, ADMIN);
    await page.getByRole("button", { name: "Approve", exact: true }).waitFor();
    for (const name of controls) {
      expect(await page.getByRole("button", { name, exact: true }).count(), name).toBeGreaterThan(
        0,
      );
    }
    expectClean(opened);
    await opened.close();
  });
});
