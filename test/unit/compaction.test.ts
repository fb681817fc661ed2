import { describe, expect, it } from "vitest";
import {
  type CompactionSettings,
  compactionEnd,
  elide,
  fitTokens,
  SUMMARY_TOOL,
  summaryRequest,
} from "../../shared/core/compaction.ts";
import { renderEvents, type ThreadEvent } from "../../shared/core/index.ts";
import {
  approvalDecision,
  approvalRequested,
  compaction,
  done,
  humanInputRequested,
  humanResponse,
  threadError,
  toolCall,
  toolResult,
  userMessage,
} from "../../shared/testing/index.ts";

/** One token per character: budgets in these tests are counted in characters. */
const chars = (text: string) => text.length;
/** About four characters a token, as a real tokenizer counts English. */
const quarters = (text: string) => Math.ceil(text.length / 4);
const settings = (
  available: number,
  resultBudget = 100,
  countTokens = chars,
): CompactionSettings => ({ available, resultBudget, countTokens });

/** A thread of invoices: every kind of event a summary shows or counts. */
const invoices: ThreadEvent[] = [
  userMessage("Add up the invoices of March."),
  toolCall("call_1", "list_invoices", { month: "march" }),
  toolResult("call_1", "list_invoices", ["inv_1: 120.00", "inv_2: 80.00", "inv_3: 45.50"]),
  toolCall("call_2", "add", { a: 3, b: 4 }),
  toolResult("call_2", "add", 7),
  threadError("invalid_args", "invalid arguments: a", { callId: "call_3", tool: "add" }),
  toolCall("call_4", "refund", { invoice: "inv_9" }),
  approvalRequested("call_4", "refund", { invoice: "inv_9" }),
  approvalDecision("call_4", false, { comment: "not this one" }),
  toolCall("call_5", "request_more_information", { message: "Which year?" }),
  humanInputRequested("call_5", "Which year?"),
  humanResponse("call_5", "2026"),
  toolCall("call_6", "add", { a: 7, b: 1 }),
];

/** `count` calls of `add`, each with its result, after a task. */
const adding = (count: number): ThreadEvent[] => [
  userMessage("Keep adding 1."),
  ...Array.from({ length: count }, (_, i) => [
    toolCall(`call_${i}`, "add", { a: i, b: 1 }),
    toolResult(`call_${i}`, "add", i + 1),
  ]).flat(),
];

/** What an event costs in a context: its block and the newline after it. */
const cost = (event: ThreadEvent) => renderEvents([event], 100).length + 1;

describe("Function: elide", () => {
  it("keeps every person's input and the calls in order, short results whole and long ones as their size", () => {
    // Act
    const data = elide(invoices, 12, settings(4000));

    // Assess
    expect(data).toEqual({
      from: 1,
      to: 12,
      method: "elide",
      summary: data.summary,
      tokensBefore: 0,
    });
    expect(data.summary).toBe(
      [
        "12 earlier events compacted: 4 tool calls (list_invoices ×1, add ×1, refund ×1, request_more_information ×1), 1 errors. Shown: 3 of 3 messages from people, the last 4 calls; results elided.",
        "<user_message>\nAdd up the invoices of March.\n</user_message>",
        "<list_invoices>\nmonth: march\n</list_invoices>",
        '<list_invoices_result elided="45 chars" />',
        "<add>\na: 3\nb: 4\n</add>",
        "<add_result>\n7\n</add_result>",
        "<refund>\ninvoice: inv_9\n</refund>",
        '<rejected tool="refund">\nnot this one\n</rejected>',
        "<request_more_information>\nmessage: Which year?\n</request_more_information>",
        "<human_response>\n2026\n</human_response>",
      ].join("\n"),
    );
  });

  it("keeps a result of 32 characters whole and gives the size of one of 33", () => {
    // Prepare
    const events = [
      userMessage("Read both files."),
      toolCall("call_1", "read", { path: "a" }),
      toolResult("call_1", "read", "a".repeat(32)),
      toolCall("call_2", "read", { path: "b" }),
      toolResult("call_2", "read", "b".repeat(33)),
    ];

    // Act
    const { summary } = elide(events, 5, settings(4000));

    // Assess
    expect(summary).toContain(`<read_result>\n${"a".repeat(32)}\n</read_result>`);
    expect(summary).toContain('<read_result elided="33 chars" />');
    expect(summary).not.toContain("b".repeat(33));
  });

  it("shows a call whose result is not among the events without one", () => {
    const { summary } = elide(invoices, 13, settings(4000));
    expect(summary.endsWith("<add>\na: 7\nb: 1\n</add>")).toBe(true);
  });

  it("counts calls per tool, most called first, and names six tools at most", () => {
    // Prepare: eight tools, called 8, 7, ... 1 times, the least called first
    const tools = ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"];
    const events = [
      userMessage("Call them all."),
      ...tools.flatMap((tool, i) =>
        Array.from({ length: i + 1 }, (_, n) => toolCall(`${tool}_${n}`, tool, {})),
      ),
    ];

    // Act
    const { summary } = elide(events, events.length, settings(4000));

    // Assess
    expect(summary.split("\n")[0]).toBe(
      "37 earlier events compacted: 36 tool calls (t8 ×8, t7 ×7, t6 ×6, t5 ×5, t4 ×4, t3 ×3, 2 other tools). " +
        "Shown: 1 of 1 messages from people, the last 36 calls; results elided.",
    );
  });

  it("names all six tools when six ran, with no count of others", () => {
    const tools = ["t1", "t2", "t3", "t4", "t5", "t6"];
    const events = [userMessage("go"), ...tools.map((tool) => toolCall(`${tool}_0`, tool))];
    expect(elide(events, events.length, settings(4000)).summary.split("\n")[0]).toContain(
      "(t1 ×1, t2 ×1, t3 ×1, t4 ×1, t5 ×1, t6 ×1).",
    );
  });

  it("says no tool ran and counts no errors when there were none", () => {
    expect(elide([userMessage("Hello.")], 1, settings(4000)).summary).toBe(
      "1 earlier events compacted: 0 tool calls. Shown: 1 of 1 messages from people, the last 0 calls; results elided.\n" +
        "<user_message>\nHello.\n</user_message>",
    );
  });

  it("shows a rejection without a comment as an empty tag, of an unknown tool when its call is not shown", () => {
    // Prepare: a decision on a call the events do not hold (its thread was forked after the call)
    const events = [
      userMessage("Refund it."),
      toolCall("call_1", "refund", {}),
      approvalDecision("call_1", false),
      approvalDecision("call_0", false, { comment: "no" }),
      approvalDecision("call_1", true),
    ];

    // Act
    const { summary } = elide(events, events.length, settings(4000));

    // Assess
    expect(summary).toContain(
      '<refund />\n<rejected tool="refund" />\n<rejected tool="unknown">\nno\n</rejected>',
    );
    expect(summary).toContain("Shown: 3 of 3 messages from people");
  });

  it("cuts a person's long message to the result budget", () => {
    const { summary } = elide([userMessage("x".repeat(50))], 1, settings(4000, 10));
    expect(summary).toContain(
      `<user_message>\n${"x".repeat(10)}\n… [truncated 40 of 50 chars]\n</user_message>`,
    );
  });

  it("keeps the task and the most recent messages from people that fit half the summary share", () => {
    // Prepare: a budget of 200 tokens: 50 for the summary, 25 of them for people's messages
    const events = ["task", "m1", "m2", "m3"].map((message) => userMessage(message));
    const block = (message: string) => `<user_message>\n${message}\n</user_message>`;

    // Act
    const { summary } = elide(events, events.length, settings(200, 100, quarters));

    // Assess: each block costs 9 tokens and one for its newline: the task and the last fit
    expect([block("task"), block("m3")].map(quarters)).toEqual([9, 9]);
    expect(summary).toContain("Shown: 2 of 4 messages from people");
    expect(summary).toContain(`${block("task")}\n${block("m3")}`);
    expect(summary).not.toContain("m2");
  });

  it("cuts the task itself when it alone is over its share", () => {
    // Act
    const { summary } = elide([userMessage("t".repeat(200))], 1, settings(800));

    // Assess: 200 tokens for the summary, 100 for the task
    const task = summary.slice(summary.indexOf("<user_message>"));
    expect(task.startsWith("<user_message>\nttt")).toBe(true);
    expect(task).toContain("… [truncated");
    expect(task.length).toBeLessThanOrEqual(99);
    expect(summary).toContain("Shown: 1 of 1 messages from people");
  });

  it("keeps the most recent calls that fit what the header and people's messages leave", () => {
    // Act
    const { summary } = elide(adding(40), 81, settings(800, 100, quarters));

    // Assess: 200 tokens; the task takes 13, the header 80: 7 calls of 15 tokens fit
    const shown = [...summary.matchAll(/<add>\na: (\d+)/g)].map((match) => Number(match[1]));
    expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => 40 - shown.length + i));
    expect(summary).toContain(`the last ${shown.length} calls`);
    expect(shown).toHaveLength(7);
    expect(quarters(summary)).toBeLessThanOrEqual(200);
  });

  it("fills the calls' share to the last token, and takes no call a token over it", () => {
    // Prepare: 15 tokens a call with its result; 13 for the task and 80 for the header
    const share = (available: number) => {
      const { summary } = elide(adding(40), 81, settings(available, 100, quarters));
      return [...summary.matchAll(/<add>/g)].length;
    };

    // Act + Assess: 213 tokens leave 120 for calls, 212 leave 119
    expect(share(852)).toBe(8);
    expect(share(848)).toBe(7);
  });

  it("leaves no room to the people's later messages once the task was cut to fit", () => {
    // Prepare: a task far over the 50 tokens of people's messages, then short answers
    const events = [userMessage("t".repeat(400)), userMessage("m1"), userMessage("m2")];

    // Act
    const { summary } = elide(events, events.length, settings(400, 1000, quarters));

    // Assess
    expect(summary).toContain("Shown: 1 of 3 messages from people");
    expect(summary).not.toContain("m2");
  });

  it("stays within the summary share, however long the thread", () => {
    for (const available of [200, 1000, 5000]) {
      const { summary } = elide(adding(300), 601, settings(available));
      expect(summary.length).toBeLessThanOrEqual(Math.floor(available / 4));
    }
  });
});

describe("Function: compactionEnd", () => {
  it("keeps whole the most recent events that fit half of what is available, and cuts before a call", () => {
    // Prepare: the last two calls with their results cost `recent` tokens
    const events = adding(10);
    const recent = events.slice(-4).reduce((sum, event) => sum + cost(event), 0);

    // Act + Assess: they fit exactly, so the compaction ends before them
    expect(compactionEnd(events, settings(2 * recent))).toBe(events.length - 4);
    // One token less: only the last call and its result stay (never a result without its call)
    expect(compactionEnd(events, settings(2 * recent - 1))).toBe(events.length - 2);
    expect(compactionEnd(events, settings(2 * recent + 1))).toBe(events.length - 4);
  });

  it("counts nothing for events the model does not see", () => {
    // Prepare: the same thread with an approval asked and granted for its last call
    const events = adding(10);
    const last = events.at(-1) as ThreadEvent;
    const approved = [
      ...events.slice(0, -1),
      approvalRequested("call_9", "add", { a: 9, b: 1 }),
      approvalDecision("call_9", true),
      last,
      done("call_x", "10"),
    ];
    const recent = events.slice(-4).reduce((sum, event) => sum + cost(event), 0);

    // Act + Assess
    expect(compactionEnd(approved, settings(2 * recent))).toBe(approved.length - 7);
  });

  it("compacts every event when the last one alone is over the recent share", () => {
    const events = adding(3);
    expect(compactionEnd(events, settings(2 * cost(events.at(-1) as ThreadEvent) - 2))).toBe(
      events.length,
    );
  });

  it("always compacts more than the compaction in force", () => {
    // Prepare: a compaction of the first 5 events, then few events: all fit the recent share
    const events = [...adding(4), compaction(1, 5, "earlier"), ...adding(1).slice(1)];

    // Act + Assess
    expect(compactionEnd(events, settings(100_000))).toBe(events.length);
    expect(compactionEnd(adding(4), settings(100_000))).toBe(adding(4).length);
  });

  it("moves the cut forward to a person's message as well as to a call", () => {
    // Prepare: a person's message after a call and its result, then a long result
    const events = [
      ...adding(2),
      userMessage("And now subtract."),
      toolCall("call_9", "subtract", { a: 2, b: 1 }),
      toolResult("call_9", "subtract", "r".repeat(60)),
    ];
    const recent = events.slice(4).reduce((sum, event) => sum + cost(event), 0);

    // Act + Assess: the last result of `add` fits too, but the cut moves on to the message
    expect(compactionEnd(events, settings(2 * recent))).toBe(5);
  });
});

describe("Function: fitTokens", () => {
  it("leaves a text within the budget alone", () => {
    expect(fitTokens("short", 5, chars)).toBe("short");
  });

  it("cuts a text over the budget, with a marker, to within it", () => {
    // Act
    const fitted = fitTokens("x".repeat(500), 100, chars);

    // Assess
    expect(fitted.length).toBeLessThanOrEqual(100);
    expect(fitted.length).toBeGreaterThan(50);
    expect(fitted).toMatch(/^x+\n… \[truncated \d+ of 500 chars\]$/);
  });

  it("gives up on a budget no cut can meet, with nothing of the text left", () => {
    expect(fitTokens("x".repeat(50), 0, chars)).toBe("\n… [truncated 50 of 50 chars]");
  });
});

describe("Function: summaryRequest", () => {
  it("asks the model for a summary of the first events with its summary tool only", () => {
    // Prepare: an earlier compaction in force, shown as its summary
    const events = [...adding(2), compaction(1, 3, "Added 0 + 1."), ...adding(1).slice(1)];

    // Act
    const request = summaryRequest(events, 6, 100);

    // Assess
    expect(request.tools).toEqual([SUMMARY_TOOL]);
    expect(SUMMARY_TOOL).toMatchObject({
      name: "write_summary",
      parameters: { required: ["summary"], properties: { summary: { type: "string" } } },
    });
    expect(request.messages.map((message) => message.role)).toEqual(["system", "user"]);
    expect(request.messages[0]?.content).toContain("Call write_summary once");
    expect({ prompt: request.messages[0]?.content, tool: SUMMARY_TOOL }).toMatchSnapshot(
      "summary prompt and tool",
    );
    expect(request.messages[1]?.content).toBe(
      '<compacted events="1-3">\nAdded 0 + 1.\n</compacted>\n<add>\na: 1\nb: 1\n</add>\n<add_result>\n2\n</add_result>',
    );
  });
});
