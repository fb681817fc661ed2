import type { Model, ModelReply, ModelRequest } from "twelve-agents";
import { call } from "twelve-agents/testing";

/**
 * A rule-based stand-in for an LLM that drives the example agents, so the local stack works
 * without an API key. It reads the rendered context like a model would and answers with one tool
 * call: the calculator evaluates the arithmetic in the user's message one operation at a time
 * (divisions wait for approval); the deploy bot deploys the newest tag to the backend.
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

function calculatorStep(context: string): ModelReply {
  const blocks = [...context.matchAll(/<(user_message|human_response)>\n([\s\S]*?)\n<\/\1>/g)];
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i] as RegExpMatchArray;
    const plan = planArithmetic(block[2] ?? "");
    if (!plan) continue;
    const after = context.slice((block.index ?? 0) + block[0].length);
    const rejected = /<rejected tool="divide"(?: \/>|>\n([\s\S]*?)\n<\/rejected>)/.exec(after);
    if (rejected) {
      return call("done_for_now", {
        message: `I stopped: the division was rejected (${rejected[1] || "no comment"}).`,
      });
    }
    const done = (after.match(/<(add|subtract|multiply|divide)_result>/g) ?? []).length;
    const op = plan.ops[done];
    if (op) return call(op.tool, { a: op.a, b: op.b });
    return call("done_for_now", { message: `${plan.expression} = ${plan.value}` });
  }
  return call("request_more_information", {
    message: "Which calculation should I do? For example: (3 + 4) / 2",
  });
}

function deploybotStep(context: string): ModelReply {
  const tag = /<list_git_tags_result>\n- tag: (\S+)/.exec(context)?.[1];
  if (!tag) return call("request_more_information", { message: "Which tag should I deploy?" });
  if (context.includes('<rejected tool="deploy_backend"')) {
    return call("done_for_now", { message: `Did not deploy ${tag}: the deployment was rejected.` });
  }
  if (context.includes("<deploy_backend_result>")) {
    return call("done_for_now", { message: `Deployed ${tag} to the backend.` });
  }
  return call("deploy_backend", { tag });
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
