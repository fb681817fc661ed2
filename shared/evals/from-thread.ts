import { checkCase, type EvalCase } from "./case.ts";
import { draftCase, type RecordedThread } from "./case-draft.ts";
import { DatasetError } from "./errors.ts";

export type { RecordedThread };

/**
 * A case from a stored thread: its events up to version `at` (by default 1, the first message)
 * are the input, the rest is what the replay serves and answers from, and the expectations are
 * what the thread went on to do: its calls in order, its final status and output.
 *
 * @example
 * const run = await runner.launch("calculator", "what is 3 + 4?");
 * const evalCase = caseFromThread({ ...run, agent: "calculator" }); // replays from the first message
 */
export function caseFromThread(
  thread: RecordedThread,
  options: { at?: number; id?: string } = {},
): EvalCase {
  let draft: ReturnType<typeof draftCase>;
  try {
    draft = draftCase(thread, options);
  } catch (cause) {
    if (!(cause instanceof RangeError)) throw cause;
    throw new DatasetError(cause.message, 0, { cause });
  }
  return checkCase(draft);
}
