import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "../integration/local-stack.ts";
import {
  API_KEY,
  BROWSER_SETUP_MS,
  type Dom,
  expectClean,
  type Harness,
  launch,
  openPage,
  signIn,
  startHarness,
  waitForStatus,
} from "./harness.ts";

const screenshot = (name: string) => fileURLToPath(new URL(`screenshots/${name}`, import.meta.url));

// Chromium logs every 4xx answer of a fetch as a console error: the tests that cause one on
// purpose allow exactly that status (the console line and the response).
const loggedStatus = (status: number) =>
  new RegExp(
    `^(console: Failed to load resource: the server responded with a status of ${status} |response: ${status} )`,
  );

// Generous: a loaded two-core machine runs both files side by side.
describe("the web console: signing in, the thread list, launching, routing", {
  timeout: 60_000,
}, () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  }, BROWSER_SETUP_MS);
  afterAll(() => harness?.stop());

  it("checks the key with the API, shows its 401 message, keeps the key in sessionStorage only", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await page.goto(`${harness.stack.url}/console`);
    await page.getByLabel("API key").fill("not-the-key-0123456789");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      "missing or wrong bearer token (Authorization: Bearer <a key of AGENT_API_KEYS or AGENT_API_KEY>)",
    );
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.getByLabel("API key").fill(API_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Threads" }).waitFor();
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([API_KEY]);
    expect(
      await page.evaluate(
        () => (globalThis as unknown as Dom).document.cookie + JSON.stringify(localStorage),
      ),
    ).toBe("{}");
    // Every API call carries it as a bearer token.
    const call = page.waitForRequest((request) => request.url().includes("/threads?"));
    await page.getByRole("button", { name: "Refresh" }).click();
    expect((await call).headers().authorization).toBe(`Bearer ${API_KEY}`);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expectClean(opened, [loggedStatus(401)]);
    await opened.close();
  });

  it("signs in and launches by keyboard alone, with a visible focus ring", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await page.goto(`${harness.stack.url}/console`);
    // The form shows once the console knows the API wants a key.
    await page.getByLabel("API key").waitFor();
    await page.keyboard.press("Tab");
    expect(
      await page.evaluate(() => (globalThis as unknown as Dom).document.activeElement?.id),
    ).toBe("api-key");
    await page.keyboard.type(API_KEY);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Launch" }).waitFor();

    await page.getByLabel("Message").focus();
    await page.keyboard.type("What is 2 + 3?");
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as Dom;
      const element = document.activeElement;
      const style = getComputedStyle(element);
      return { text: element?.textContent, outline: style.outlineStyle, width: style.outlineWidth };
    });
    expect(focused).toEqual({ text: "Launch", outline: "solid", width: "3px" });
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/console\/threads\//);
    await waitForStatus(page, "done");
    expectClean(opened);
    await opened.close();
  });

  it("lists threads newest first with agent, status, time and first words; filters; pages", async () => {
    const api = client(harness.stack, API_KEY);
    const launched: string[] = [];
    for (const [agent, message] of [
      ["calculator", "What is 2 + 3?"],
      ["deploybot", "Deploy v9.9.9 to the frontend, please"],
      ["calculator", "add some numbers for me"],
      ["calculator", "What is (3 + 4) / 2? Show me every step of the computation as you go"],
    ] as const) {
      launched.push((await api.launch(agent, message)).body.threadId);
    }
    await api.waitFor(launched[0] as string, "done");
    await api.waitFor(launched[3] as string, "waiting_for_approval");
    await api.waitFor(launched[2] as string, "waiting_for_human");

    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    const rows = page.getByRole("list", { name: "Threads" }).getByRole("link");
    const first = rows.first();
    await first.filter({ hasText: "Show me every step" }).waitFor();
    expect(await first.getAttribute("href")).toBe(`/console/threads/${launched[3]}`);
    const text = (await first.textContent()) ?? "";
    expect(text).toContain("calculator");
    expect(text).toContain("waiting_for_approval");
    // The first twelve words, then an ellipsis.
    expect(text).toContain("What is (3 + 4) / 2? Show me every step of …");
    expect(await first.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    // Each row's message is read on its own: wait for all of them before the screenshot.
    await page.waitForFunction(() =>
      [...(globalThis as unknown as Dom).document.querySelectorAll(".thread-message")].every(
        (row) => row.textContent !== "…",
      ),
    );
    await rows.filter({ hasText: "Deploy v9.9.9" }).waitFor();
    await page.mouse.move(1279, 799); // no hover on a row
    await page.screenshot({ path: screenshot("threads.png") });

    await page.getByLabel("Filter by status").selectOption("waiting_for_human");
    // Both the calculator's and the deploy bot's threads ask a question: either may be newer.
    await listShows(page, "waiting_for_human", "add some numbers");
    expect((await rows.allTextContents()).every((row) => row.includes("waiting_for_human"))).toBe(
      true,
    );
    await page.getByLabel("Filter by status").selectOption("");
    await page.getByLabel("Filter by agent").selectOption("deploybot");
    await listShows(page, "deploybot", "Deploy v9.9.9");
    expect((await rows.allTextContents()).every((row) => row.includes("deploybot"))).toBe(true);

    // Past one page (20): the API's cursor pages on, and back; every thread shows once.
    const more = [];
    for (let i = 0; i < 20; i++)
      more.push((await api.launch("deploybot", `tag ${i}`)).body.threadId);
    for (const id of more) await api.waitFor(id, ["waiting_for_approval", "waiting_for_human"]);
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByText("Page 1").waitFor();
    const hrefs = async () => {
      await page.waitForFunction(
        () => (globalThis as unknown as Dom).document.querySelector("[aria-busy=true]") === null,
      );
      return rows.evaluateAll((links) => links.map((link) => link.getAttribute("href")));
    };
    const times = () =>
      rows.locator("time").evaluateAll((all) => all.map((time) => time.getAttribute("datetime")));
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(20);
    const page1 = await hrefs();
    const sorted = await times();
    expect(sorted).toEqual(sorted.toSorted().toReversed());
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Page 2").waitFor();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    const page2 = await hrefs();
    expect(new Set([...page1, ...page2])).toEqual(
      new Set([launched[1], ...more].map((id) => `/console/threads/${id}`)),
    );
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await page.getByText("Page 1").waitFor();
    // The label changes first, then the rows: wait for the page's 20 before reading them.
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(20);
    expect(await hrefs()).toEqual(page1);

    await rows.first().click();
    await page.waitForURL(/\/console\/threads\//);
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    expectClean(opened);
    await opened.close();
  });

  it("opens a thread from a deep link, keeps it on reload, and goes back with the browser", async () => {
    const api = client(harness.stack, API_KEY);
    const { threadId } = (await api.launch("calculator", "What is 6 * 7?")).body;
    await api.waitFor(threadId, "done");

    const opened = await openPage(harness);
    const { page } = opened;
    // A new tab has no key yet: it signs in and stays on the thread.
    await signIn(page, harness.stack.url, `/console/threads/${threadId}`);
    await waitForStatus(page, "done");
    expect(await page.getByRole("region", { name: "Output" }).textContent()).toContain(
      "6 * 7 = 42",
    );
    await page.reload();
    await waitForStatus(page, "done");
    expect(new URL(page.url()).pathname).toBe(`/console/threads/${threadId}`);

    await page.getByRole("link", { name: "← All threads" }).click();
    await page.getByRole("heading", { name: "Threads" }).waitFor();
    await page.goBack();
    await waitForStatus(page, "done");
    await page.goForward();
    await page.getByRole("heading", { name: "Threads" }).waitFor();

    await page.goto(`${harness.stack.url}/console/threads/thr_missing`);
    await page.getByText("This thread does not exist").waitFor();
    expectClean(opened, [loggedStatus(404)]);
    await opened.close();
  });

  it("shows the API's error next to the control that caused it", async () => {
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    await page.getByRole("button", { name: "Launch" }).click();
    const alert = page.getByRole("region", { name: "Launch" }).getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'body field "message": expected string to have >=1 characters',
    );
    expectClean(opened, [loggedStatus(400)]);
    await opened.close();
  });

  it("fits a phone: one column, no sideways scrolling", async () => {
    const api = client(harness.stack, API_KEY);
    const { threadId } = (await api.launch("calculator", "What is (3 + 4) / 2?")).body;
    await api.waitFor(threadId, "waiting_for_approval");
    const opened = await openPage(harness, { width: 390, height: 844 });
    const { page } = opened;
    await signIn(page, harness.stack.url);
    const overflow = () =>
      page.evaluate(
        () =>
          (globalThis as unknown as Dom).document.documentElement.scrollWidth -
          (globalThis as unknown as Dom).document.documentElement.clientWidth,
      );
    const launchBox = await page.getByRole("region", { name: "Launch" }).boundingBox();
    const listBox = await page.getByRole("region", { name: "Threads" }).boundingBox();
    expect(listBox?.y).toBeGreaterThan((launchBox?.y ?? 0) + (launchBox?.height ?? 0) - 1);
    expect(await overflow()).toBe(0);
    await page.goto(`${harness.stack.url}/console/threads/${threadId}`);
    await page.getByRole("button", { name: "Approve" }).waitFor();
    expect(await overflow()).toBe(0);
    expectClean(opened);
    await opened.close();
  });

  it("renders hostile content as text and runs none of it", async () => {
    const hostile = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>`;
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    await launch(page, hostile);
    await waitForStatus(page, "waiting_for_human");
    await page.getByLabel("Reply").fill(`${hostile} <b>bold</b>`);
    await page.getByRole("button", { name: "Send" }).click();
    const timeline = page.getByRole("list", { name: "Timeline" });
    await timeline.getByText(`${hostile} <b>bold</b>`, { exact: true }).waitFor();
    expect(await timeline.getByText(hostile, { exact: true }).count()).toBe(1);

    await page.getByRole("link", { name: "← All threads" }).click();
    await page.getByRole("list", { name: "Threads" }).getByText(hostile).first().waitFor();
    const dom = await page.evaluate(() => {
      const { document, __pwned } = globalThis as unknown as Dom;
      return {
        pwned: __pwned,
        images: document.querySelectorAll("img").length,
        scripts: document.querySelectorAll("script").length,
        bold: document.querySelectorAll("b").length,
      };
    });
    expect(dom).toEqual({ pwned: undefined, images: 0, scripts: 1, bold: 0 });
    expectClean(opened);
    await opened.close();
  });
});

/** Waits until every row of the list holds `all`, and one of them `one`: the filter applied. */
async function listShows(page: Page, all: string, one: string): Promise<void> {
  await page.waitForFunction(
    ([every, some]) => {
      const rows = [
        ...(globalThis as unknown as Dom).document.querySelectorAll("[aria-label='Threads'] a"),
      ].map((row) => row.textContent ?? "");
      return rows.some((row) => row.includes(some)) && rows.every((row) => row.includes(every));
    },
    [all, one] as const,
  );
}
