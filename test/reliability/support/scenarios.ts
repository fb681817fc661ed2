import type { HumanReply } from "../../../shared/core/lifecycle.ts";
import type { ThreadWaitingNotice } from "../../../shared/core/ports.ts";

/**
 * One thread of a simulation: what is launched, and how the person behind it answers. Answers
 * depend on the question only, so a run with faults and a clean run get the same answers and
 * must end with the same thread.
 */
export interface Scenario {
  /** Unique in a run; the thread id and the launch's idempotency key derive from it. */
  name: string;
  agent: "calculator" | "deploybot";
  message: string;
  answer(notice: ThreadWaitingNotice): HumanReply;
}

/** Guidance after an escalation (too many errors, step cap, model unusable): go on. */
const goOn = (notice: ThreadWaitingNotice): HumanReply => ({
  callId: notice.callId,
  response: "Please go on with the original request.",
});

/** A person who approves everything and answers questions with `response`. */
function approver(response = "2 + 5") {
  return (notice: ThreadWaitingNotice): HumanReply => {
    if (notice.status === "waiting_for_approval") return { callId: notice.callId, approved: true };
    if (notice.tool === "escalation") return goOn(notice);
    return { callId: notice.callId, response };
  };
}

/** A person who rejects every approval with `comment`. */
function rejecter(comment: string) {
  return (notice: ThreadWaitingNotice): HumanReply => {
    if (notice.status === "waiting_for_approval") {
      return { callId: notice.callId, approved: false, comment };
    }
    return notice.tool === "escalation" ? goOn(notice) : { callId: notice.callId, response: "1" };
  };
}

/**
 * The standard mix: sync tool chains, approvals granted and rejected, a question for a person,
 * and the deploy bot with its prefetch and side-effecting, approval-gated deployment.
 */
export const standardScenarios: readonly Scenario[] = [
  { name: "calc-add", agent: "calculator", message: "What is 3 + 4?", answer: approver() },
  { name: "calc-chain", agent: "calculator", message: "1 + 2 * 3 - 4", answer: approver() },
  {
    name: "calc-divide",
    agent: "calculator",
    message: "What is (3 + 4) / 2?",
    answer: approver(),
  },
  {
    name: "calc-two-divisions",
    agent: "calculator",
    message: "8 / 2 / 2",
    answer: approver(),
  },
  {
    name: "calc-rejected",
    agent: "calculator",
    message: "10 / 4",
    answer: rejecter("no divisions today"),
  },
  {
    name: "calc-ask",
    agent: "calculator",
    message: "add some numbers for me",
    answer: approver("2 + 5"),
  },
  {
    name: "deploy",
    agent: "deploybot",
    message: "Deploy the newest tag to the backend.",
    answer: approver(),
  },
  {
    name: "deploy-rejected",
    agent: "deploybot",
    message: "Deploy the newest tag to the backend.",
    answer: rejecter("freeze until Monday"),
  },
];

/** Scenarios by name, from the standard mix. */
export const scenario = (name: string): Scenario => {
  const found = standardScenarios.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
};
