/**
 * What the deployed notify rule does when the fan-out fails (EventBridge tries the notice again
 * over two hours, then keeps it in the `UndeliveredNotices` queue), on this machine: a failed
 * notice is handed to the fan-out again after each of `delaysMs`, then sent to a dead-letter
 * place (`deadLetter`: the local stack's `twelve-undelivered-notices` queue in fauxqs) with why.
 * A notice still waiting for its next try when the stack stops goes there at once.
 */
export interface NoticeRetries<T> {
  /** Hands `notice` to the fan-out now, and again later while it fails. */
  deliver(notice: T): void;
  /** Sends the notices waiting for a try to the dead-letter place; resolves when they are there. */
  stop(): Promise<void>;
}

/** The local default: tries at once, after 10 s, 1 minute and 5 minutes, then dead-letters. */
export const DEFAULT_NOTICE_RETRY_DELAYS_MS = [10_000, 60_000, 300_000] as const;

/**
 * @example
 * const retries = startNoticeRetries({ fanOut: notify, deadLetter, delaysMs: [10_000], log });
 * retries.deliver(envelope);
 */
export function startNoticeRetries<T>(options: {
  fanOut: (notice: T) => Promise<unknown>;
  deadLetter: (notice: T, reason: string) => Promise<void>;
  delaysMs?: readonly number[];
  log: (line: string) => void;
  /** What the log lines call a notice (its id). */
  name: (notice: T) => string;
}): NoticeRetries<T> {
  const delays = options.delaysMs ?? DEFAULT_NOTICE_RETRY_DELAYS_MS;
  const waiting = new Map<NodeJS.Timeout, { notice: T; reason: string; tries: number }>();
  const settling = new Set<Promise<void>>();
  let stopped = false;

  const deadLetter = (notice: T, reason: string, tries: number) => {
    const sent = options
      .deadLetter(notice, reason)
      .then(() =>
        options.log(
          `notice ${options.name(notice)} undelivered after ${tries} tries: kept in the dead-letter queue`,
        ),
      )
      .catch((error: unknown) =>
        options.log(`notice ${options.name(notice)} lost: the dead-letter queue: ${String(error)}`),
      )
      .finally(() => settling.delete(sent));
    settling.add(sent);
  };

  const attempt = (notice: T, tries: number): void => {
    const run = options
      .fanOut(notice)
      .then(() => undefined)
      .catch((error: unknown) => {
        const reason = String(error);
        const delay = delays[tries];
        if (delay === undefined || stopped) {
          options.log(`notify failed: ${reason}`);
          deadLetter(notice, reason, tries + 1);
          return;
        }
        options.log(`notify failed: ${reason}; tried again in ${delay / 1000} s`);
        const timer = setTimeout(() => {
          waiting.delete(timer);
          attempt(notice, tries + 1);
        }, delay);
        timer.unref();
        waiting.set(timer, { notice, reason, tries: tries + 1 });
      })
      .finally(() => settling.delete(run));
    settling.add(run);
  };

  return {
    deliver: (notice) => attempt(notice, 0),
    async stop() {
      stopped = true;
      for (const [timer, { notice, reason, tries }] of waiting) {
        clearTimeout(timer);
        deadLetter(notice, `${reason} (the stack stopped before its next try)`, tries);
      }
      waiting.clear();
      while (settling.size > 0) await Promise.allSettled([...settling]);
    },
  };
}
