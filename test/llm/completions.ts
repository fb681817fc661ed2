/** Chat Completions response bodies, as the API sends them, for the test server's script. */

const USAGE = { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 };

type Message = {
  role: "assistant";
  content: string | null;
  refusal: null;
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
};

/** A completion whose single choice carries `message`; `usage: null` leaves usage out. */
export function completion(message: Message, usage: object | null = USAGE): object {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_767_225_600,
    model: "gpt-4o-mini",
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: message.tool_calls ? "tool_calls" : "stop",
      },
    ],
    ...(usage !== null ? { usage } : {}),
  };
}

/**
 * A completion with function calls, each `[name, raw arguments]`.
 *
 * @example
 * toolCallCompletion([["add", '{"a":1,"b":2}']]);
 */
export function toolCallCompletion(calls: [name: string, args: string][]): object {
  return completion({
    role: "assistant",
    content: null,
    refusal: null,
    tool_calls: calls.map(([name, args], i) => ({
      id: `call_test_${i}`,
      type: "function",
      function: { name, arguments: args },
    })),
  });
}

/** A completion with text and no tool call. */
export function textCompletion(text: string): object {
  return completion({ role: "assistant", content: text, refusal: null });
}

/** An API error body, as OpenAI sends it. */
export function apiError(message: string, type: string, code: string | null = null): object {
  return { error: { message, type, param: null, code } };
}
