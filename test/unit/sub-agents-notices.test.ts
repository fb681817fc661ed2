import { describe, expect, it } from "vitest";
import { requestMail } from "../../shared/channels/email/message.ts";
import { waitingMessage } from "../../shared/channels/slack/messages.ts";
import { childThreadId, type ThreadWaitingNotice } from "../../shared/core/index.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { lead } from "../support/sub-agent-fixtures.ts";

describe("Notices of a child thread", () => {
  it("name the root of the tree, and say so in email and Slack", async () => {
    // Prepare
    const notices: ThreadWaitingNotice[] = [];
    const runner = createRunner({
      agents: [lead],
      notifier: { threadWaiting: async (notice) => void notices.push(notice) },
    });
    // Act
    const root = await runner.launch("lead", "release the api");
    // Assess
    const childId = childThreadId(root.threadId, "call_1");
    expect(notices).toEqual([
      expect.objectContaining({
        threadId: childId,
        kind: "approval",
        tool: "deploy",
        root: { threadId: root.threadId, link: root.threadId },
      }),
    ]);
    const notice = notices[0] as ThreadWaitingNotice;
    const mail = requestMail(notice, "https://x.example/email", new Date("2026-01-02T00:00:00Z"));
    expect(mail.text).toContain(`A sub-agent of thread ${root.threadId}: ${root.threadId}`);
    expect(JSON.stringify(waitingMessage(notice))).toContain(
      `a sub-agent of thread ${root.threadId}`,
    );
  });
});
