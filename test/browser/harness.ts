import { OpenAI } from "openai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import type { Agent } from "../../shared/core/agent.ts";
import { OpenAIModel } from "../../shared/llm/index.ts";
import { startTestStack } from "../integration/local-stack.ts";
import { launchChromium } from "../support/chromium.ts";
import { type DemoChatServer, startDemoChatServer } from "./demo-chat-server.ts";

/** The key the test stack takes; long enough for the API's 16-character floor. */
export const API_KEY = "console-test-key-5f2a9c";

/** Waits for the first run's `apt-get install chromium` (minutes, once per machine). */
export const BROWSER_SETUP_MS = 600_000;

export interface Harness {
  stack: LocalStack;
  chat: DemoChatServer;
  browser: Browser;
  stop(): Promise<void>;
}

/**
 * One browser, one local stack (behind `API_KEY`, or no key with `apiKey: null`) and a local Chat Completions server playing the
 * demo model through the real OpenAI adapter: per test file.
 */
export async function startHarness(
  options: { apiKey?: string | null; agents?: readonly Agent[] } = {},
): Promise<Harness> {
  const apiKey = options.apiKey === undefined ? API_KEY : options.apiKey;
  const chat = await startDemoChatServer();
  const model = new OpenAIModel({
    model: "gpt-4o-mini",
    client: new OpenAI({ apiKey: "test", baseURL: chat.baseURL, maxRetries: 0 }),
  });
  const [stack, browser] = await Promise.all([
    startTestStack({
      model,
      ...(apiKey === null ? {} : { apiKey }),
      ...(options.agents ? { agents: options.agents } : {}),
    }),
    launchChromium(),
  ]);
  return {
    stack,
    chat,
    browser,
    stop: async () => {
      await browser.close();
      await stack.stop();
      await chat.close();
    },
  };
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Every request URL the page made. */
  urls: string[];
  /** Uncaught page errors and console errors, but those `allow` matches. */
  problems(allow?: RegExp[]): string[];
  close(): Promise<void>;
}

/** A fresh browser context (its own sessionStorage) with a page that records what goes wrong. */
export async function openPage(
  harness: Harness,
  viewport = { width: 1280, height: 800 },
): Promise<ConsolePage> {
  const context = await harness.browser.newContext({ viewport, colorScheme: "light" });
  // Generous: on a loaded 2-core machine a page's first fetches can take seconds.
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const urls: string[] = [];
  const errors: string[] = [];
  page.on("request", (request) => urls.push(request.url()));
  // The console asks `GET /agents` without a key whether the API needs one: its 401 (and the
  // line Chromium logs for it) is expected, not a problem.
  let keyProbes = 0;
  page.on("response", (response) => {
    const keyless = !response.request().headers().authorization;
    if (
      response.status() === 401 &&
      keyless &&
      new URL(response.url()).pathname.endsWith("/agents")
    ) {
      keyProbes++;
      return;
    }
    if (response.status() >= 400) errors.push(`response: ${response.status()} ${response.url()}`);
  });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  const probeLine = /^console: Failed to load resource: the server responded with a status of 401 /;
  const withoutProbes = () => {
    let left = keyProbes;
    return errors.filter((e) => !(left > 0 && probeLine.test(e) && left-- > 0));
  };
  return {
    page,
    context,
    urls,
    problems: (allow = []) =>
      withoutProbes().filter((e) => !allow.some((pattern) => pattern.test(e))),
    close: () => context.close(),
  };
}

/** Checks what every test must hold: nothing went wrong, and the key never rode in a URL. */
export function expectClean(opened: ConsolePage, allow: RegExp[] = []): void {
  expect(opened.problems(allow)).toEqual([]);
  expect(opened.urls.filter((url) => url.includes(API_KEY))).toEqual([]);
}

/** Opens `path` (below the stack's URL) and signs in with `key`. */
export async function signIn(page: Page, url: string, path = "/console", key = API_KEY) {
  await page.goto(`${url}${path}`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** Launches `message` on `agent` from the form and waits for the new thread's page. */
export async function launch(page: Page, message: string, agent = "calculator"): Promise<string> {
  await page.getByLabel("Agent", { exact: true }).selectOption(agent);
  await page.getByLabel("Message").fill(message);
  await page.getByRole("button", { name: "Launch" }).click();
  await page.waitForURL(/\/console\/threads\/[^/]+$/);
  return threadIdOf(page);
}

export const threadIdOf = (page: Page): string =>
  decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1) ?? "");

/** The thread page's status badge, once it reads `status`. */
export async function waitForStatus(page: Page, status: string): Promise<void> {
  await page.locator(".meta .status", { hasText: new RegExp(`^${status}$`) }).waitFor();
}

/** The timeline's event types, in order. */
export const eventTypes = (page: Page): Promise<string[]> =>
  page.getByRole("list", { name: "Timeline" }).locator(".event-type").allTextContents();

interface PageElement {
  id: string;
  textContent: string | null;
}

/**
 * The browser globals the tests read in `page.evaluate` callbacks, which run in the page (the
 * test project has no DOM lib): `(globalThis as unknown as Dom).document`.
 */
export interface Dom {
  document: {
    cookie: string;
    activeElement: PageElement | null;
    documentElement: { scrollWidth: number; clientWidth: number };
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  };
  getComputedStyle(element: PageElement | null): { outlineStyle: string; outlineWidth: string };
  __pwned?: unknown;
}
