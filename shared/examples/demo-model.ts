import type { Model, ModelReply, ModelRequest } from "twelve-agents";
import { call } from "twelve-agents/testing";

/**
 * A rule-based stand-in for an LLM that drives the example agents, so the local stack works
 * without an API key. It reads the rendered context like a model would and answers with one tool
 * call, and it follows the examples' flows, nothing more:
 *
 * - calculator: evaluates the arithmetic of the latest message that has some, one operation at a
 *   time (each division waits for approval). A rejected or failing division is not proposed
 *   again: it asks what to compute instead, and a reply with new arithmetic starts over; a reply
 *   without any ends the thread, saying why. A message with no arithmetic gets a question.
 * - deploybot: deploys the tag the message names (`v1.1.0`), or the newest, to the frontend when
 *   the message says so, else to the backend; a tag that is not in the list gets a question, a
 *   rejection ends the thread with the reason.
 */
export class DemoModel implements Model {
  async next(request: ModelRequest): Promise<ModelReply> {
    const context = request.messages.at(-1)?.content ?? "";
    const tools = new Set(request.tools.map((tool) => tool.name));
    if (tools.has("add") && tools.has("divide")) return calculatorStep(context);
    if (tools.has("deploy_backend")) return deploybotStep(context);
    return call("done_for_now", {
      message: "The demo model only knows the example agents; set OPENAI_API_KEY for a real model.",
    });
  }
}

type Op = { tool: "add" | "subtract" | "multiply" | "divide"; a: number; b: number };

/** The person's messages (the launch and every reply), with where each ends in the context. */
const humanBlocks = (context: string) =>
  [...context.matchAll(/<(user_message|human_response)>\n([\s\S]*?)\n<\/\1>/g)].map((m) => ({
    text: m[2] ?? "",
    end: (m.index ?? 0) + m[0].length,
  }));

function calculatorStep(context: string): ModelReply {
  const blocks = humanBlocks(context);
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i] as (typeof blocks)[number];
    const plan = planArithmetic(block.text);
    if (!plan) continue;
    const after = context.slice(block.end);
    const rejected = /<rejected tool="divide"(?: \/>|>\n([\s\S]*?)\n<\/rejected>)/.exec(after);
    const failed = /<error tool="divide">\n([\s\S]*?)\n<\/error>/.exec(after);
    const setback = rejected
      ? `the division was rejected (${rejected[1] || "no comment"})`
      : failed
        ? `the division failed (${failed[1]})`
        : null;
    if (setback) {
      // Asked already, and the reply held no new arithmetic: stop, and say why.
      if (i < blocks.length - 1 || after.includes("<human_response>")) {
        return call("done_for_now", { message: `I stopped: ${setback}.` });
      }
      return call("request_more_information", {
        message: `I could not finish ${plan.expression}: ${setback}. What should I compute instead?`,
      });
    }
    // Progress is the calls made since the message: a call made before it whose result came
    // after (a message that arrived while the call ran) belongs to the earlier request.
    const done = (after.match(/<(add|subtract|multiply|divide)>\n/g) ?? []).length;
    const op = plan.ops[done];
    if (op) return call(op.tool, { a: op.a, b: op.b });
    return call("done_for_now", { message: `${plan.expression} = ${plan.value}` });
  }
  return call("request_more_information", {
    message: "Which calculation should I do? For example: (3 + 4) / 2",
  });
}

function deploybotStep(context: string): ModelReply {
  const listed = /<list_git_tags_result>\n([\s\S]*?)\n<\/list_git_tags_result>/.exec(context);
  const tags = [...(listed?.[1] ?? "").matchAll(/tag: (\S+)/g)].map((m) => m[1] as string);
  const asked = humanBlocks(context).at(-1)?.text ?? "";
  const named = /\bv\d+(?:\.\d+)*\b/.exec(asked)?.[0];
  const tag = named ?? tags[0];
  if (!tag) return call("request_more_information", { message: "Which tag should I deploy?" });
  if (!tags.includes(tag)) {
    return call("request_more_information", {
      message: `There is no tag ${tag}; the tags are ${tags.join(", ")}. Which one should I deploy?`,
    });
  }
  const service = /\bfrontend\b/i.test(asked) ? "frontend" : "backend";
  const rejected = new RegExp(
    `<rejected tool="deploy_${service}"(?: \\/>|>\\n([\\s\\S]*?)\\n<\\/rejected>)`,
  ).exec(context);
  if (rejected) {
    return call("done_for_now", {
      message: `Did not deploy ${tag}: the deployment was rejected (${rejected[1] || "no comment"}).`,
    });
  }
  if (context.includes(`<deploy_${service}_result>`)) {
    return call("done_for_now", { message: `Deployed ${tag} to the ${service}.` });
  }
  return call(`deploy_${service}`, { tag });
}

const PRECEDENCE: Record<string, number> = { "+": 1, "-": 1, "*": 2, "/": 2 };
const TOOL: Record<string, Op["tool"]> = {
  "+": "add",
  "-": "subtract",
  "*": "multiply",
  "/": "divide",
};

/** The operations, in evaluation order, of the first arithmetic expression in `text`. */
export function planArithmetic(
  text: string,
): { expression: string; ops: Op[]; value: number } | null {
  const normalized = text
    .toLowerCase()
    .replace(/divided by/g, "/")
    .replace(/\b(plus)\b/g, "+")
    .replace(/\b(minus)\b/g, "-")
    .replace(/\b(times)\b|×/g, "*")
    .replace(/÷/g, "/");
  const match = /[(\d][\d\s.+\-*/()]*[\d)]/.exec(normalized);
  if (!match) return null;
  const tokens = match[0].match(/\d+(?:\.\d+)?|[+\-*/()]/g) ?? [];
  const output: (number | string)[] = [];
  const stack: string[] = [];
  for (const token of tokens) {
    if (/\d/.test(token)) output.push(Number(token));
    else if (token === "(") stack.push(token);
    else if (token === ")") {
      while (stack.length && stack.at(-1) !== "(") output.push(stack.pop() as string);
      if (stack.pop() !== "(") return null;
    } else {
      while (
        stack.length &&
        (PRECEDENCE[stack.at(-1) as string] ?? 0) >= (PRECEDENCE[token] ?? 0)
      ) {
        output.push(stack.pop() as string);
      }
      stack.push(token);
    }
  }
  while (stack.length) {
    const op = stack.pop() as string;
    if (op === "(") return null;
    output.push(op);
  }
  const values: number[] = [];
  const ops: Op[] = [];
  for (const item of output) {
    if (typeof item === "number") {
      values.push(item);
      continue;
    }
    const b = values.pop();
    const a = values.pop();
    const tool = TOOL[item];
    if (a === undefined || b === undefined || !tool) return null;
    ops.push({ tool, a, b });
    values.push(item === "+" ? a + b : item === "-" ? a - b : item === "*" ? a * b : a / b);
  }
  if (values.length !== 1 || ops.length === 0) return null;
  return { expression: match[0].trim(), ops, value: values[0] as number };
}
