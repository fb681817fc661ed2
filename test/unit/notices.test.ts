import { describe, expect, it } from "vitest";
import { noticeOf } from "../../shared/channels/notices.ts";

const detail = {
  id: "thr_1:call_4",
  threadId: "thr_1",
  agent: "calculator",
  callId: "call_4",
  tool: "escalation",
  args: { reason: "too_many_errors" },
  link: "https://api.example.com/threads/thr_1",
};

describe("Function: noticeOf", () => {
  it("keeps the kind and reason of an escalation", () => {
    const notice = noticeOf({
      "detail-type": "thread.waiting",
      detail: { ...detail, status: "waiting_for_human", kind: "escalation", reason: "max_steps" },
    });
    expect(notice?.data).toMatchObject({ kind: "escalation", reason: "max_steps" });
  });

  it("reads a notice published before kinds by its status", () => {
    const asked = noticeOf({
      "detail-type": "thread.waiting",
      detail: { ...detail, status: "waiting_for_human" },
    });
    const approval = noticeOf({
      "detail-type": "thread.waiting",
      detail: { ...detail, status: "waiting_for_approval" },
    });
    expect(asked?.data).toMatchObject({ kind: "human_input" });
    expect(approval?.data).toMatchObject({ kind: "approval" });
  });

  it("refuses a kind it does not know", () => {
    const notice = noticeOf({
      "detail-type": "thread.waiting",
      detail: { ...detail, status: "waiting_for_human", kind: "gossip" },
    });
    expect(notice).toBeNull();
  });
});
