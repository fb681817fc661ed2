import { useEffect, useState } from "preact/hooks";
import { api, messageOf } from "./api.ts";
import { Alert, Link, StatusBadge, Time } from "./common.tsx";
import { LaunchForm } from "./launch.tsx";
import { threadRoute } from "./router.ts";
import { may, mayList } from "./scope.ts";
import { type AgentInfo, type EventsPage, statuses, type ThreadSummary } from "./types.ts";

const PAGE = 20;
const WORDS = 12;

/** A thread's first message never changes: each is fetched once per page load. */
const firstMessages = new Map<string, Promise<string | null>>();

function firstMessage(threadId: string): Promise<string | null> {
  let found = firstMessages.get(threadId);
  if (!found) {
    found = api<EventsPage>(
      "GET",
      `/threads/${encodeURIComponent(threadId)}/events?after=0&limit=1`,
    )
      .then((page) => {
        const message = page.events[0]?.data?.message;
        return typeof message === "string" ? message : null;
      })
      .catch(() => {
        firstMessages.delete(threadId);
        return null;
      });
    firstMessages.set(threadId, found);
  }
  return found;
}

const firstWords = (text: string): string => {
  const words = text.trim().split(/\s+/);
  return words.length > WORDS ? `${words.slice(0, WORDS).join(" ")} …` : words.join(" ");
};

function Row(props: { thread: ThreadSummary; now: number }) {
  const { thread } = props;
  const [message, setMessage] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void firstMessage(thread.threadId).then((text) => {
      if (live) setMessage(text);
    });
    return () => {
      live = false;
    };
  }, [thread.threadId]);
  return (
    <li>
      <Link to={threadRoute(thread.threadId)} class="thread-row">
        <span class="thread-agent">{thread.agent}</span>
        <StatusBadge status={thread.status} />
        <Time at={thread.updatedAt} relativeTo={props.now} />
        <span class="thread-message">
          {message === undefined ? "…" : message === null ? "(no message)" : firstWords(message)}
        </span>
      </Link>
    </li>
  );
}

/** The thread list, newest first, filtered and paged with the API's cursor; and the launch form. */
export function ThreadsPage(props: { agents: AgentInfo[] }) {
  const [status, setStatus] = useState("");
  const [agent, setAgent] = useState("");
  // cursors[i] opens page i; the first page has none.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ threads: ThreadSummary[]; next?: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [refreshed, setRefreshed] = useState(0);
  const cursor = cursors.at(-1);
  // A key that may not read lists nothing: asking would only answer a 403.
  const reads = may("read");

  useEffect(() => {
    if (!reads) return;
    let live = true;
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (status) query.set("status", status);
    if (agent) query.set("agent", agent);
    if (cursor) query.set("cursor", cursor);
    setLoading(true);
    api<{ threads: ThreadSummary[]; next?: string }>("GET", `/threads?${query}`)
      .then((answer) => {
        if (!live) return;
        setPage(answer);
        setError(null);
      })
      .catch((caught) => live && setError(messageOf(caught)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [status, agent, cursor, refreshed, reads]);

  const filter = (set: (value: string) => void) => (event: Event) => {
    set((event.currentTarget as HTMLSelectElement).value);
    setCursors([undefined]);
  };
  const now = Date.now();

  if (!reads) {
    return (
      <div class="layout">
        {may("launch") && <LaunchForm agents={props.agents} />}
        <section class="card" aria-labelledby="threads-title">
          <h2 id="threads-title">Threads</h2>
          <p class="hint">
            This key may not read threads, so none are listed here. It may: {mayList()}.
          </p>
        </section>
      </div>
    );
  }

  return (
    <div class="layout">
      {may("launch") && <LaunchForm agents={props.agents} />}
      <section class="card" aria-labelledby="threads-title" aria-busy={loading}>
        <div class="section-head">
          <h2 id="threads-title">Threads</h2>
          <button type="button" onClick={() => setRefreshed((n) => n + 1)}>
            Refresh
          </button>
        </div>
        <div class="filters">
          <div class="field">
            <label for="filter-status">Filter by status</label>
            <select id="filter-status" value={status} onChange={filter(setStatus)}>
              <option value="">All statuses</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="filter-agent">Filter by agent</label>
            <select id="filter-agent" value={agent} onChange={filter(setAgent)}>
              <option value="">All agents</option>
              {props.agents.map((a) => (
                <option key={a.name} value={a.name}>
                  {a.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <Alert message={error} />
        {page && page.threads.length === 0 && <p class="hint">No threads match.</p>}
        {page && page.threads.length > 0 && (
          <ul class="threads" aria-label="Threads">
            {page.threads.map((thread) => (
              <Row key={thread.threadId} thread={thread} now={now} />
            ))}
          </ul>
        )}
        <nav class="row pager" aria-label="Pages">
          <button
            type="button"
            disabled={cursors.length < 2}
            onClick={() => setCursors((all) => all.slice(0, -1))}
          >
            Previous page
          </button>
          <span class="hint">Page {cursors.length}</span>
          <button
            type="button"
            disabled={!page?.next}
            onClick={() => page?.next && setCursors((all) => [...all, page.next])}
          >
            Next page
          </button>
        </nav>
      </section>
    </div>
  );
}
