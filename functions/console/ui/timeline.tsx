import type { ComponentChildren } from "preact";
import { Alert, Block, json, Time } from "./common.tsx";
import type { CallUsage, LinkedData, VersionedEvent } from "./types.ts";

const str = (value: unknown): string => (typeof value === "string" ? value : json(value));

function Field(props: { name: string; children: ComponentChildren }) {
  return (
    <div class="field-line">
      <span class="field-name">{props.name}</span> {props.children}
    </div>
  );
}

/** A model call's tokens (the cached part of the input where reported) and who answered it. */
function Usage(props: { usage: unknown }) {
  const usage = props.usage as Partial<CallUsage> | undefined;
  if (!usage) return null;
  const cached = [
    usage.cacheReadTokens ? `${usage.cacheReadTokens} read from the cache` : "",
    usage.cacheWriteTokens ? `${usage.cacheWriteTokens} written to it` : "",
  ].filter(Boolean);
  const answeredBy = [usage.provider, usage.model].filter(Boolean).join(" · ");
  return (
    <>
      <Field name="tokens">
        {usage.inputTokens ?? 0} input{cached.length > 0 ? ` (${cached.join(", ")})` : ""},{" "}
        {usage.outputTokens ?? 0} output
      </Field>
      {answeredBy && (
        <Field name="model">
          <code>{answeredBy}</code>
        </Field>
      )}
    </>
  );
}

/** A duration as people read it: `840 ms`, `1.24 s`, `2 min 5 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Events the model's answer wrote: its call, a reply the reducer could not use, its summary. */
const fromTheModel = (event: VersionedEvent): boolean =>
  (event.type === "tool_call" && event.data.source === "model") ||
  (event.type === "error" &&
    (event.data.code === "model_reply" || event.data.code === "model_failed")) ||
  (event.type === "compaction" && event.data.method === "model");

/**
 * How soon the model answered, derived from the events' timestamps (no event records a
 * duration): the time from the event before (the last one the model saw) to this one. That is
 * the model's answer time plus the step's own work, and, when the event before was written
 * before this step began (a message, a decision, an earlier step's error), the time the step
 * waited for the worker: an upper bound, labelled as one.
 */
function StepTime(props: { event: VersionedEvent; previous: VersionedEvent | undefined }) {
  const { event, previous } = props;
  if (!previous || previous.version !== event.version - 1 || !fromTheModel(event)) return null;
  const ms = Date.parse(event.at) - Date.parse(previous.at);
  if (!Number.isFinite(ms) || ms < 0) return null;
  return (
    <div
      class="field-line step-time"
      title={
        `By the events' timestamps: from #${previous.version}, the last event the model saw, to ` +
        `#${event.version}. It holds the model's answer, and the wait for the worker when ` +
        `#${previous.version} was written before this step began.`
      }
    >
      <span class="field-name">answered</span> within {duration(ms)} of #{previous.version}
    </div>
  );
}

/** What an event says, by type; an unknown type shows its data. All of it is text. */
function Body(props: { event: VersionedEvent }) {
  const { type, data } = props.event;
  const { dataLink, dataBytes } = props.event as LinkedData;
  if (dataLink !== undefined) {
    // Too large for the API's answer (over 2.5 MB): named, not shown.
    return (
      <p class="text">
        {(dataBytes ?? 0).toLocaleString()} bytes of data, too large to show here:{" "}
        <code>GET {dataLink}</code> serves it whole.
      </p>
    );
  }
  switch (type) {
    case "user_message":
      return (
        <>
          <p class="text">{str(data.message)}</p>
          {data.metadata !== undefined && <Block label="Metadata" text={json(data.metadata)} />}
        </>
      );
    case "tool_call":
      return (
        <>
          <Field name="tool">
            <code>{str(data.tool)}</code>
            {data.source === "prefetch" ? " (prefetch)" : ""}
          </Field>
          <Block label="Arguments" text={json(data.args)} />
          <Usage usage={data.usage} />
        </>
      );
    case "tool_result":
      return (
        <>
          <Field name="tool">
            <code>{str(data.tool)}</code>
          </Field>
          <Block label="Result" text={str(data.result)} collapseOver={200} />
        </>
      );
    case "error":
      return (
        <>
          <Field name="code">
            <code>{str(data.code)}</code>
            {data.tool !== undefined && (
              <>
                {" "}
                in <code>{str(data.tool)}</code>
              </>
            )}
          </Field>
          <p class="text">{str(data.message)}</p>
          <Usage usage={data.usage} />
        </>
      );
    case "approval_requested":
      return (
        <>
          <Field name="tool">
            <code>{str(data.tool)}</code> waits for approval
          </Field>
          <Block label="Arguments" text={json(data.args)} />
        </>
      );
    case "callback_requested":
      return (
        <>
          <Field name="tool">
            <code>{str(data.tool)}</code> waits for a callback until{" "}
            <Time at={str(data.expiresAt)} />
          </Field>
          <Block label="Arguments" text={json(data.args)} />
        </>
      );
    case "tool_retry":
      return (
        <>
          <Field name="attempt">
            {str(data.attempt)} failed; the same call runs again at <Time at={str(data.retryAt)} />
          </Field>
          <p class="text">{str(data.message)}</p>
        </>
      );
    case "approval_decision":
      return (
        <>
          <p class="text">{data.approved ? "Approved" : "Rejected"}</p>
          {typeof data.comment === "string" && <Field name="comment">{data.comment}</Field>}
        </>
      );
    case "human_input_requested":
      return (
        <>
          <p class="text">{str(data.message)}</p>
          <Field name="reason">{str(data.reason)}</Field>
        </>
      );
    case "human_response":
      return <p class="text">{str(data.response)}</p>;
    case "child_requested":
      return (
        <>
          <Field name="agent">
            <code>{str(data.agent)}</code> runs as a child thread (depth {str(data.depth)})
          </Field>
          <Block label="Message" text={str(data.message)} />
        </>
      );
    case "done":
      return <p class="text">{str(data.output)}</p>;
    case "failed":
    case "retry_requested":
      return <p class="text">{str(data.reason)}</p>;
    case "cancelled":
      return typeof data.reason === "string" ? <p class="text">{data.reason}</p> : null;
    case "compaction":
      return (
        <>
          <p class="text">
            The model sees events #{str(data.from)}–#{str(data.to)} as this{" "}
            {data.method === "model" ? "summary by the model" : "elided summary"}: about{" "}
            {str(data.tokensBefore)} → {str(data.tokensAfter)} tokens per request.
          </p>
          <Usage usage={data.usage} />
          <Block label="Summary" text={str(data.summary)} />
        </>
      );
    case "tool_set":
      return <ToolSetLine data={data} />;
    default:
      return <Block label="Data" text={json(data)} />;
  }
}

/** The tool set a thread was shown (tools from MCP servers), and what changed under it. */
export function ToolSetLine(props: { data: Record<string, unknown> }) {
  const { fingerprint, tools, change } = props.data as {
    fingerprint?: unknown;
    tools?: Record<string, unknown>;
    change?: { from?: unknown; added?: string[]; removed?: string[]; changed?: string[] };
  };
  const names = Object.keys(tools ?? {});
  if (!change) {
    return (
      <p class="text">
        Tools pinned ({names.length}): {names.join(", ")} · fingerprint{" "}
        <code>{str(fingerprint)}</code>
      </p>
    );
  }
  const parts = (["added", "removed", "changed"] as const)
    .filter((key) => (change[key]?.length ?? 0) > 0)
    .map((key) => `${key} ${change[key]?.join(", ")}`);
  return (
    <p class="text tools-changed">
      Tools changed under the thread: {parts.join("; ") || "no tool named"} · fingerprint{" "}
      <code>{str(change.from)}</code> → <code>{str(fingerprint)}</code>
    </p>
  );
}

const tone: Record<string, string> = {
  error: "bad",
  failed: "bad",
  cancelled: "bad",
  approval_requested: "ask",
  human_input_requested: "ask",
  callback_requested: "ask",
  tool_retry: "bad",
  done: "good",
};

/** Every event, oldest first, each with "Fork from here" (when the key may fork: `onFork`). */
export function Timeline(props: {
  events: VersionedEvent[];
  onFork?: (version: number) => void;
  /** A failed "Fork from here", shown by its event. */
  forkError: { version: number; message: string } | null;
}) {
  return (
    <ol class="timeline" aria-label="Timeline">
      {props.events.map((event, index) => (
        <li key={event.version} class={`event tone-${tone[event.type] ?? "plain"}`}>
          <div class="event-head">
            <span id={`event-${event.version}`}>
              <span class="event-version">#{event.version}</span>{" "}
              <span class="event-type">{event.type}</span>
            </span>
            <Time at={event.at} />
            {event.by && (
              <span class="event-by">
                by {event.by.principal} via {event.by.via}
              </span>
            )}
            {props.onFork && (
              <button
                type="button"
                class="small"
                aria-describedby={`event-${event.version}`}
                onClick={() => props.onFork?.(event.version)}
              >
                Fork from here
              </button>
            )}
          </div>
          <Body event={event} />
          <StepTime event={event} previous={props.events[index - 1]} />
          {props.forkError?.version === event.version && (
            <Alert message={props.forkError.message} />
          )}
        </li>
      ))}
    </ol>
  );
}
