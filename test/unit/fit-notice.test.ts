import { describe, expect, it } from "vitest";
import { fitNotice, MAX_DETAIL_BYTES } from "../../shared/aws/events/fit-notice.ts";
import type { ThreadEndedNotice, ThreadWaitingNotice } from "../../shared/core/ports.ts";

const link = "https://api.example.com/threads/thr_1";
const ended = (output: string): ThreadEndedNotice => ({
  id: "thr_1:done:7",
  threadId: "thr_1",
  agent: "reader",
  status: "done",
  version: 7,
  output,
  link,
});
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe("Function: fitNotice", () => {
  it("publishes a notice within the limit as it is", () => {
    const notice = ended("Read both blobs.");
    expect(fitNotice(notice)).toBe(notice);
  });

  it("cuts a long output to fit, marked with how much was cut and the link", () => {
    // Prepare: quotes and control characters grow as JSON (up to 6 bytes a character).
    const output = `${'"é\u0001'.repeat(100_000)}`;

    // Act
    const fitted = fitNotice(ended(output));

    // Assess
    expect(bytes(fitted)).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(bytes(fitted)).toBeGreaterThan(MAX_DETAIL_BYTES - 200);
    expect(fitted.output).toMatch(
      new RegExp(`… \\[truncated: \\d+ of 300000 characters; the whole is at ${link}\\]$`),
    );
    expect(output.startsWith((fitted.output ?? "").split("… [truncated")[0] ?? "x")).toBe(true);
    expect({ ...fitted, output: undefined }).toEqual({ ...ended(output), output: undefined });
  });

  it("replaces a pending call's arguments too large to cut with a note of their size", () => {
    // Prepare
    const notice: ThreadWaitingNotice = {
      id: "thr_1:call_1",
      threadId: "thr_1",
      agent: "reader",
      status: "waiting_for_approval",
      kind: "approval",
      callId: "call_1",
      tool: "write_file",
      args: { path: "a.txt", content: "x".repeat(300_000) },
      message: "May I write a.txt?",
      link,
    };

    // Act
    const fitted = fitNotice(notice);

    // Assess
    expect(bytes(fitted)).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(fitted.args).toBe(
      `[truncated: ${bytes(notice.args)} bytes of arguments; the whole is at ${link}]`,
    );
    expect(fitted.callId).toBe("call_1");
  });
});
