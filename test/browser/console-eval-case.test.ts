import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCase } from "../../shared/evals/case.ts";
import {
  BROWSER_SETUP_MS,
  expectClean,
  type Harness,
  launch,
  openPage,
  signIn,
  startHarness,
  threadIdOf,
  waitForStatus,
} from "./harness.ts";

describe("the web console: a thread as an eval case", { timeout: 60_000 }, () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  }, BROWSER_SETUP_MS);
  afterAll(() => harness?.stop());

  it("downloads the thread as one case line that twelve eval reads", async () => {
    // Prepare
    const opened = await openPage(harness);
    const { page } = opened;
    await signIn(page, harness.stack.url);
    await launch(page, "What is 3 + 4?");
    await waitForStatus(page, "done");
    const threadId = threadIdOf(page);
    // Act
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download eval case" }).click(),
    ]);
    // Assess
    expect(download.suggestedFilename()).toBe(`${threadId}.eval.jsonl`);
    const text = readFileSync((await download.path()) as string, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const evalCase = parseCase(text.trim());
    expect(evalCase).toMatchObject({
      id: `${threadId}@1`,
      agent: "calculator",
      threadId,
      expect: { status: "done", output: { exact: "3 + 4 = 7" } },
    });
    expect(evalCase.expect.calls?.map((call) => call.tool)).toEqual(["add", "done_for_now"]);
    expectClean(opened);
    await opened.close();
  });
});
