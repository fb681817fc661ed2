import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, messageOf } from "./api.ts";
import type { EventsPage, ThreadView, VersionedEvent } from "./types.ts";

const POLL_MS = 1000;
/** Polls between two reads of the tree a thread waits on (`GET /threads/{id}` reads it whole). */
const TREE_POLLS = 5;
const OLDER_PAGE = 200;

export type Head = Omit<ThreadView, "events">;

export interface LiveThread {
  head: Head | null;
  /** The events loaded, oldest first, by version (the last 200 at first; older on demand). */
  events: VersionedEvent[];
  gone: boolean;
  error: string | null;
  /** Reads the thread again now (after an action), rather than at the next poll. */
  refresh: () => Promise<void>;
  loadOlder: () => Promise<void>;
}

const merge = (a: VersionedEvent[], b: VersionedEvent[]): VersionedEvent[] => {
  const byVersion = new Map<number, VersionedEvent>();
  for (const event of [...a, ...b]) byVersion.set(event.version, event);
  return [...byVersion.values()].sort((x, y) => x.version - y.version);
};

/**
 * A thread kept up to date: `GET /threads/{id}` once, then `events?after=<last version>` every
 * second while the page is open and visible; new events re-read the head (status, pending), and
 * so does every poll while the thread waits on a sub-agent (its tree moves without it).
 */
export function useThread(threadId: string): LiveThread {
  const [head, setHead] = useState<Head | null>(null);
  const [events, setEvents] = useState<VersionedEvent[]>([]);
  const [gone, setGone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const last = useRef(0);
  const first = useRef(1);
  // A root waiting on its tree gets no event while a sub-agent moves: its head is re-read.
  const waitsOnTree = useRef(false);
  const path = `/threads/${encodeURIComponent(threadId)}`;

  const fail = useCallback((caught: unknown) => {
    if (caught instanceof ApiError && caught.status === 404) setGone(true);
    else setError(messageOf(caught));
  }, []);

  const load = useCallback(async () => {
    const view = await api<ThreadView>("GET", path);
    const from = view.eventsFrom ?? 1;
    const loaded = view.events.map((event, i) => ({ ...event, version: from + i }));
    const { events: _events, ...rest } = view;
    setHead(rest);
    waitsOnTree.current = view.status === "waiting_for_agent";
    setEvents((known) => {
      // Events never change once written: what was loaded before stays as it is.
      const merged = merge(known, loaded);
      last.current = merged.at(-1)?.version ?? 0;
      first.current = merged[0]?.version ?? 1;
      return merged;
    });
    setError(null);
  }, [path]);

  const refresh = useCallback(() => load().catch(fail), [load, fail]);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setHead(null);
    setEvents([]);
    setGone(false);
    setError(null);
    last.current = 0;
    first.current = 1;
    let polls = 0;
    const poll = async () => {
      polls++;
      if (!document.hidden && last.current > 0) {
        try {
          const page = await api<EventsPage>(
            "GET",
            `${path}/events?after=${last.current}&limit=1000`,
          );
          const moved = page.events.length > 0 || page.version !== last.current;
          // A thread waiting on its tree gets no event of its own when a sub-agent moves: its
          // tree is read again, every TREE_POLLS polls (a tree is up to 100 thread reads).
          const treeDue = waitsOnTree.current && polls % TREE_POLLS === 0;
          if (live && (moved || treeDue)) await load();
        } catch (caught) {
          if (live) fail(caught);
          if (caught instanceof ApiError && caught.status === 404) return;
        }
      }
      if (live) timer = setTimeout(poll, POLL_MS);
    };
    load()
      .catch((caught) => live && fail(caught))
      .finally(() => {
        if (live) timer = setTimeout(poll, POLL_MS);
      });
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [path, load, fail]);

  const loadOlder = useCallback(async () => {
    const before = first.current;
    if (before <= 1) return;
    const after = Math.max(0, before - 1 - OLDER_PAGE);
    try {
      const older: VersionedEvent[] = [];
      // A page may stop short (large events): read on until the gap is closed.
      for (let from = after; from < before - 1; ) {
        const page = await api<EventsPage>(
          "GET",
          `${path}/events?after=${from}&limit=${before - 1 - from}`,
        );
        older.push(...page.events);
        if (page.events.length === 0 || page.next === undefined) break;
        from = page.next;
      }
      setEvents((known) => {
        const merged = merge(older, known);
        first.current = merged[0]?.version ?? 1;
        return merged;
      });
    } catch (caught) {
      fail(caught);
    }
  }, [path, fail]);

  return { head, events, gone, error, refresh, loadOlder };
}
