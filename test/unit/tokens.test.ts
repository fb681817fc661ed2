import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { estimateTokens, requestTokens } from "../../shared/core/tokens.ts";
import { buildThread, chatCompletionsMessages, renderedContext } from "../bench/twelve.ts";
import { repoRoot } from "../support/repo.ts";

const file = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const bytes = (count: number, step: number) =>
  Buffer.from(Array.from({ length: count }, (_, i) => (i * step) % 256));

/** Texts of every kind a context holds, and some it should not but may. */
async function corpus(): Promise<Record<string, string>> {
  const thread = await buildThread(300);
  return {
    prose: file("README.md"),
    code: file("shared/core/step.ts"),
    json: file("test/fixtures/thread-items/v1/items.json"),
    "tagged context": renderedContext(thread),
    "messages format": chatCompletionsMessages(thread),
    numbers: Array.from({ length: 2000 }, (_, i) => String((i * 7919) % 100_003)).join(", "),
    cjk: "我们正在构建一个可靠的代理运行时。これはテストです。한국어 문장입니다。".repeat(50),
    cyrillic: "Привет, как дела? Это проверка токенизатора на русском языке. ".repeat(40),
    emoji: "🚀🔥✅ done! ".repeat(100),
    base64: bytes(3000, 31).toString("base64"),
    hex: bytes(3000, 37).toString("hex"),
    ids: Array.from(
      { length: 200 },
      (_, i) => `thr_${bytes(16, i + 7).toString("base64url")}`,
    ).join("\n"),
    whitespace: "a      b\t\t\tc\n\n\n\nd".repeat(100),
  };
}

describe("Function: estimateTokens", () => {
  it("never counts fewer tokens than o200k, nor more than 2.3 times as many, on any kind of text", async () => {
    // Prepare
    const texts = await corpus();

    // Act
    const ratios = Object.fromEntries(
      Object.entries(texts).map(([kind, text]) => [
        kind,
        estimateTokens(text) / encode(text).length,
      ]),
    );

    // Assess
    for (const [kind, ratio] of Object.entries(ratios)) {
      expect(ratio, kind).toBeGreaterThanOrEqual(1);
      expect(ratio, kind).toBeLessThanOrEqual(2.3);
    }
    // Twelve's own format, what budgets are mostly spent on, is estimated closely.
    expect(ratios["tagged context"]).toBeLessThan(1.6);
  });

  it("counts nothing in nothing, and grows with the text", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("what is 3 + 4?")).toBeGreaterThanOrEqual(
      encode("what is 3 + 4?").length,
    );
    expect(estimateTokens("word ".repeat(100))).toBeGreaterThan(estimateTokens("word ".repeat(10)));
  });
});

describe("Function: estimateTokens, rule by rule", () => {
  // Each count is the rule's, plus 5% rounded up.
  it.each([
    ["a word of Latin letters: one per four", "x".repeat(400), 105],
    [
      "a capitalised word, for every word of a sentence, and a space before it free",
      "Deploy ".repeat(100),
      212,
    ],
    ["a word in capitals", "HTTP".repeat(100), 105],
    ["accented Latin letters, as Latin", "é".repeat(200), 53],
    ["a run of mixed case (ids, base64): one per one and a half", "aB".repeat(150), 210],
    ["a word of Cyrillic letters: one per two", "д".repeat(200), 105],
    ["a word of Greek letters: one per two", "αβγ".repeat(100), 158],
    ["Chinese: one per character", "我".repeat(100), 105],
    ["Japanese kana: one per character", "の".repeat(100), 105],
    ["Korean: one per character", "한".repeat(100), 105],
    ["digits: one per three", "1".repeat(300), 105],
    ["a run of whitespace: one", `a${"\n".repeat(100)}b`, 4],
    ["one ASCII symbol repeated: one per two", "=".repeat(200), 105],
    ["ASCII symbols that change: one each", "=-".repeat(100), 210],
    ["other symbols: two each", "🚀".repeat(50), 105],
    ["the last ASCII character as an ASCII symbol", "\x7f".repeat(200), 105],
    [
      "a word of Latin then Cyrillic letters as not Latin",
      `${"x".repeat(100)}${"д".repeat(100)}`,
      105,
    ],
    [
      "a word of Cyrillic then Latin letters as not Latin",
      `${"д".repeat(100)}${"x".repeat(100)}`,
      105,
    ],
  ])("counts %s", (_rule, text, tokens) => {
    expect(estimateTokens(text)).toBe(tokens);
  });

  it("counts a question as its example says", () => {
    // what, is, 3, +, 4, ? and the four spaces not before a word: 9, and 5%
    expect(estimateTokens("what is 3 + 4?")).toBe(10);
    expect(estimateTokens(" deploy")).toBe(estimateTokens("deploy"));
  });
});

describe("Function: requestTokens", () => {
  it("counts every message with its overhead and the tools as the JSON they are sent as", () => {
    // Prepare
    const count = (text: string) => text.length;
    const tools = [{ name: "add", description: "adds", parameters: { type: "object" } }];

    // Act
    const tokens = requestTokens(
      {
        messages: [
          { role: "system", content: "abc" },
          { role: "user", content: "defgh" },
        ],
        tools,
      },
      count,
    );

    // Assess: 3 priming + (4 + 3) + (4 + 5) + the tools' JSON
    expect(tokens).toBe(3 + 7 + 9 + JSON.stringify(tools).length);
  });

  it("counts nothing for tools when the request has none", () => {
    const count = (text: string) => text.length;
    expect(requestTokens({ messages: [{ role: "user", content: "abc" }], tools: [] }, count)).toBe(
      3 + 4 + 3,
    );
  });
});
