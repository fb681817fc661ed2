import type { ThreadEvent } from "../../../shared/core/events.js";
import { draftCase } from "../../../shared/evals/case-draft.js";
import { api } from "./api.ts";

// `.js`, not `.ts`: the packed package ships shared/ compiled, and esbuild bundles this folder
// from its source there (in the repository it finds the `.ts` beside the missing `.js`).

/**
 * The thread as an eval case (what `twelve eval add` appends), downloaded as a one-line
 * `<threadId>.eval.jsonl`: every event is read again, since the timeline may hold only the latest.
 */
export async function downloadEvalCase(threadId: string, agent: string): Promise<void> {
  const path = `/threads/${encodeURIComponent(threadId)}/events`;
  const events: ThreadEvent[] = [];
  for (let after: number | undefined = 0; after !== undefined; ) {
    const page: { events: (ThreadEvent & { dataLink?: string })[]; next?: number } = await api(
      "GET",
      `${path}?after=${after}&limit=1000`,
    );
    for (const shown of page.events) {
      // An event too large for the page is linked: its data is read on its own.
      const link = shown.dataLink;
      if (!link) events.push(shown);
      else {
        const { dataLink: _link, ...event } = shown;
        events.push({ ...event, data: await api("GET", link) } as ThreadEvent);
      }
    }
    after = page.next;
  }
  const line = `${JSON.stringify(draftCase({ threadId, agent, events }))}\n`;
  const url = URL.createObjectURL(new Blob([line], { type: "application/jsonl" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `${threadId}.eval.jsonl`;
  link.click();
  URL.revokeObjectURL(url);
}
