import { appendFileSync } from "node:fs";
import { ConfigError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { parseDataset, whereIs } from "../../shared/evals/case.ts";
import { DatasetError } from "../../shared/evals/errors.ts";
import { caseFromThread } from "../../shared/evals/from-thread.ts";
import { fsReason, readDatasetText } from "./eval-files.ts";

export interface EvalAddOptions {
  dataset: string;
  threadId: string;
  /** The version to cut at (default 1: the first message). */
  at?: number;
  /** The HTTP API's base URL. */
  url: string;
  /** The bearer key (AGENT_API_KEY), if the API wants one. */
  apiKey?: string;
  /** The case's id (default `<threadId>@<at>`). */
  id?: string;
}

/**
 * `twelve eval add`: reads a stored thread through the HTTP API (`GET /threads/{id}` and its
 * event pages), builds the case and appends it to the dataset as one line. Returns the case id.
 * The dataset is read first: one that does not parse, or that holds the case's id already, is
 * refused (naming the line), and nothing is written on any error.
 */
export async function evalAdd(options: EvalAddOptions): Promise<{ id: string; events: number }> {
  const existing = readDatasetText(options.dataset, "new");
  const ids = new Map(parseDataset(existing, options.dataset).map((c) => [c.id, whereIs(c)]));
  const base = options.url.replace(/\/+$/, "");
  const get = async (path: string): Promise<Record<string, unknown>> => {
    const headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : undefined;
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, headers ? { headers } : {});
    } catch (cause) {
      throw new ConfigError(
        `cannot reach the API at ${base} (${(cause as Error).message}): is twelve dev running? (--url)`,
        { cause },
      );
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      const error = (body.error ?? {}) as { message?: string };
      const hint = response.status === 401 ? " (set AGENT_API_KEY)" : "";
      throw new ConfigError(`GET ${path}: ${response.status} ${error.message ?? ""}${hint}`.trim());
    }
    return body;
  };
  const id = encodeURIComponent(options.threadId);
  const thread = await get(`/threads/${id}`);
  const events: ThreadEvent[] = [];
  for (let after: number | undefined = 0; after !== undefined; ) {
    const page = await get(`/threads/${id}/events?after=${after}&limit=1000`);
    for (const shown of page.events as (ThreadEvent & { dataLink?: string })[]) {
      // An event too large for the page is linked: its data is fetched on its own.
      const link = shown.dataLink;
      if (!link) {
        events.push(shown);
        continue;
      }
      const {
        dataLink: _link,
        dataBytes: _bytes,
        ...event
      } = shown as typeof shown & {
        dataBytes?: number;
      };
      events.push({ ...event, data: await get(link) } as ThreadEvent);
    }
    after = typeof page.next === "number" ? page.next : undefined;
  }
  const evalCase = caseFromThread(
    { threadId: options.threadId, agent: String(thread.agent), events },
    {
      ...(options.at === undefined ? {} : { at: options.at }),
      ...(options.id ? { id: options.id } : {}),
    },
  );
  const taken = ids.get(evalCase.id);
  if (taken !== undefined) {
    throw new DatasetError(
      `${taken}: the dataset has a case "${evalCase.id}" already: give the new one another id with --id`,
      0,
    );
  }
  // A dataset whose last line has no newline gets one, so the case is a line of its own.
  const separator = existing === "" || existing.endsWith("\n") ? "" : "\n";
  try {
    appendFileSync(options.dataset, `${separator}${JSON.stringify(evalCase)}\n`);
  } catch (cause) {
    throw new ConfigError(`cannot write ${options.dataset}: ${fsReason(cause)}`, { cause });
  }
  return { id: evalCase.id, events: events.length };
}
