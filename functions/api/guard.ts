import type { Logger } from "@aws-lambda-powertools/logger";
import { AnswerNotAllowedError, ThreadNotFoundError } from "../../shared/core/errors.ts";
import type { ListThreadsQuery, ThreadSummary } from "../../shared/core/ports.ts";
import type { Thread } from "../../shared/core/thread.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { HttpError } from "./http.ts";
import { threadId } from "./schemas.ts";
import {
  describeRefusal,
  type Missing,
  mayDo,
  mayUseAgent,
  refusal,
  type Scope,
  type Verb,
} from "./scopes.ts";

/** Unfiltered pages a listing of a key with several agents reads for one answer, at most. */
const MAX_LIST_PAGES = 5;

/**
 * A request's principal and scope, and the checks every route makes with them before it reads
 * or writes. A refusal is logged (principal, verb, agent, thread) and answered `403 forbidden`
 * naming what is missing: the verb, or the agent of a thread the key may not use (thread ids are
 * random, so the answer tells a key only that an id it already holds is another agent's).
 *
 * @example
 * guard.check("launch", body.agent); // throws the 403 for a key without launch or that agent
 * const thread = await guard.thread(deps, params.id, "read"); // 403 for another agent's thread
 */
export class Guard {
  readonly principal: string;
  readonly scope: Scope;
  private readonly logger: Logger;

  constructor(principal: string, scope: Scope, logger: Logger) {
    this.principal = principal;
    this.scope = scope;
    this.logger = logger;
  }

  /** Throws the 403 unless the key may do `verb` (with `agent`, when given). */
  check(verb: Verb, agent?: string, thread?: string): void {
    const missing = refusal(this.scope, verb, agent);
    if (missing) throw this.refused(verb, missing, agent, thread);
  }

  /**
   * The thread `rawId` names, loaded, when the key may do `verb` with its agent; the 403 naming
   * the agent when it may not, `ThreadNotFoundError` when there is no such thread.
   */
  async thread(deps: RuntimeDeps, rawId: string | undefined, verb: Verb): Promise<Thread> {
    this.check(verb);
    const id = idOf(rawId);
    const thread = await deps.store.load(id);
    if (!thread) throw new ThreadNotFoundError(id);
    this.checkAgent(verb, thread);
    return thread;
  }

  /**
   * Before a verb that loads the thread itself: checks `verb`, and for a key limited to some
   * agents, that the thread is one of theirs (one read; none for a key of every agent).
   */
  async mayTouch(deps: RuntimeDeps, rawId: string | undefined, verb: Verb): Promise<void> {
    this.check(verb);
    if (this.scope.agents === undefined) return;
    await this.thread(deps, rawId, verb);
  }

  /**
   * A message's write (`run`, told whether the key may answer a question): a message to a
   * thread waiting for a person becomes the answer, which needs `decide` too. The core refuses
   * it for a key without (`AnswerNotAllowedError`, decided on the thread it writes to, so a
   * step that ends in a question just before cannot slip one through); this answers that
   * refusal as every other: the 403 naming `decide`, logged.
   */
  async message<T>(thread: string, run: (mayAnswer: boolean) => Promise<T>): Promise<T> {
    try {
      return await run(mayDo(this.scope, "decide"));
    } catch (error) {
      if (error instanceof AnswerNotAllowedError) this.check("decide", undefined, thread);
      throw error;
    }
  }

  /** Whether the key may see threads of `agent` (listings, `GET /agents`). */
  sees(agent: string): boolean {
    return mayUseAgent(this.scope, agent);
  }

  /**
   * One page of `GET /threads`, showing only threads of the key's agents: a listing of one of
   * them goes to the store's agent index; a key of several agents, listing them all, gets the
   * store's pages filtered (a page may then hold fewer than `limit` threads; `next` goes on).
   */
  async list(
    deps: RuntimeDeps,
    query: ListThreadsQuery,
  ): Promise<{ threads: ThreadSummary[]; next?: string }> {
    this.check("read", query.agent);
    const agents = this.scope.agents;
    if (agents === undefined || query.agent !== undefined) return deps.store.list(query);
    const [only] = agents;
    if (agents.length === 1 && only !== undefined) {
      return deps.store.list({ ...query, agent: only });
    }
    let cursor = query.cursor;
    for (let page = 1; ; page++) {
      const found = await deps.store.list({ ...query, ...(cursor ? { cursor } : {}) });
      const threads = found.threads.filter((thread) => this.sees(thread.agent));
      if (threads.length > 0 || found.next === undefined || page === MAX_LIST_PAGES) {
        return { threads, ...(found.next === undefined ? {} : { next: found.next }) };
      }
      cursor = found.next;
    }
  }

  private checkAgent(verb: Verb, thread: Thread): void {
    if (this.sees(thread.agent)) return;
    throw this.refused(verb, { agent: thread.agent }, thread.agent, thread.id);
  }

  private refused(verb: Verb, missing: Missing, agent?: string, thread?: string): HttpError {
    this.log(verb, missing, agent, thread);
    return new HttpError("forbidden", describeRefusal(this.principal, this.scope, missing), {
      missing,
    });
  }

  private log(verb: Verb, missing: Missing, agent?: string, thread?: string): void {
    this.logger.warn("refused: outside the key's scope", {
      principal: this.principal,
      verb,
      missing,
      ...(agent === undefined ? {} : { agent }),
      ...(thread === undefined ? {} : { thread }),
    });
  }
}

function idOf(raw: string | undefined): string {
  const result = threadId.safeParse(raw);
  // An id this API could never have handed out names no thread: 404, like any unknown id.
  if (!result.success) throw new ThreadNotFoundError(String(raw).slice(0, 128));
  return result.data;
}
