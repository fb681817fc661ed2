import { useEffect, useRef, useState } from "preact/hooks";
import { ApprovalPanel, FollowUpPanel, ReplyPanel } from "./answers.tsx";
import { api, messageOf } from "./api.ts";
import { CallbackCard } from "./callback-card.tsx";
import { Alert, ConfirmDialog, type ConfirmRequest, Link, StatusBadge } from "./common.tsx";
import { ContextPanel } from "./context.tsx";
import { downloadEvalCase } from "./eval-case.ts";
import { navigate, threadRoute } from "./router.ts";
import { may } from "./scope.ts";
import { Timeline } from "./timeline.tsx";
import { DescendantWaits, SubAgentsPanel } from "./tree.tsx";
import { openStatuses, type Usage, type VersionedEvent } from "./types.ts";
import { useThread } from "./use-thread.ts";

/** Token usage summed over the events that carry it (model calls: tool_call and error). */
function usageOf(events: VersionedEvent[]): Usage & { calls: number } {
  const total = { inputTokens: 0, outputTokens: 0, calls: 0 };
  for (const event of events) {
    // A linked event (too large for the answer) has no data here.
    const usage = event.data?.usage as Partial<Usage> | undefined;
    if (!usage || typeof usage !== "object") continue;
    total.inputTokens += Number(usage.inputTokens) || 0;
    total.outputTokens += Number(usage.outputTokens) || 0;
    total.calls++;
  }
  return total;
}

/** One thread: its timeline (live), what it waits for, its controls, context and usage. */
export function ThreadPage(props: { threadId: string }) {
  const { threadId } = props;
  const thread = useThread(threadId);
  const { head, events } = thread;
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [controlError, setControlError] = useState<string | null>(null);
  const [forkError, setForkError] = useState<{ version: number; message: string } | null>(null);
  const [showContext, setShowContext] = useState(false);
  const title = useRef<HTMLHeadingElement>(null);
  const path = `/threads/${encodeURIComponent(threadId)}`;

  useEffect(() => {
    document.title = `Thread ${threadId} · Twelve console`;
    title.current?.focus();
    setControlError(null);
    setForkError(null);
    setShowContext(false);
  }, [threadId]);

  const ask = (request: Omit<ConfirmRequest, "resolve">) =>
    new Promise<boolean>((resolve) =>
      setConfirm({
        ...request,
        resolve: (confirmed) => {
          setConfirm(null);
          resolve(confirmed);
        },
      }),
    );

  const control = async (
    request: Omit<ConfirmRequest, "resolve">,
    action: () => Promise<void>,
    onError: (message: string) => void = setControlError,
  ) => {
    if (!(await ask(request))) return;
    setControlError(null);
    setForkError(null);
    try {
      await action();
    } catch (caught) {
      onError(messageOf(caught));
    }
  };

  const fork = (version?: number) =>
    control(
      {
        title: version ? `Fork from event #${version}?` : "Fork this thread?",
        body: version
          ? `A new thread starts with events 1 to ${version} of this one.`
          : "A new thread starts with every event of this one.",
      },
      async () => {
        const forked = await api<{ threadId: string }>(
          "POST",
          `${path}/fork`,
          version ? { version } : {},
        );
        navigate(threadRoute(forked.threadId));
      },
      version ? (message) => setForkError({ version, message }) : setControlError,
    );

  const cancel = () =>
    control(
      { title: "Cancel this thread?", body: "The thread stops; its pending call closes." },
      async () => {
        await api("POST", `${path}/cancel`, {});
        await thread.refresh();
      },
    );

  const remove = () =>
    control(
      { title: "Delete this thread?", body: "Every event of the thread is gone for good." },
      async () => {
        await api("DELETE", path);
        navigate("");
      },
    );

  const usage = usageOf(events);
  const firstShown = events[0]?.version ?? 1;

  return (
    <main class="thread">
      <p>
        <Link to="">← All threads</Link>
      </p>
      <header class="thread-head">
        <h1 ref={title} tabIndex={-1}>
          Thread <code>{threadId}</code>
        </h1>
        {head && (
          <p class="meta">
            <span>{head.agent}</span> <StatusBadge status={head.status} />{" "}
            <span>version {head.version}</span>
            {head.forkedFrom && (
              <span>
                {" "}
                · forked from{" "}
                <Link to={threadRoute(head.forkedFrom.threadId)}>{head.forkedFrom.threadId}</Link>{" "}
                at #{head.forkedFrom.version}
              </span>
            )}
          </p>
        )}
      </header>

      {thread.gone && (
        <p role="alert" class="alert">
          This thread does not exist (or was deleted). <Link to="">Back to the threads</Link>
        </p>
      )}
      <Alert message={thread.error} />

      {head && !thread.gone && (
        <>
          <nav class="row controls" aria-label="Thread controls">
            {openStatuses.has(head.status) && may("cancel") && (
              <button type="button" class="danger" onClick={cancel}>
                Cancel thread
              </button>
            )}
            {may("fork") && (
              <button type="button" onClick={() => fork()}>
                Fork
              </button>
            )}
            {may("delete") && (
              <button type="button" class="danger" onClick={remove}>
                Delete
              </button>
            )}
            <button
              type="button"
              aria-expanded={showContext}
              aria-controls="context"
              onClick={() => setShowContext((shown) => !shown)}
            >
              Context
            </button>
            <button
              type="button"
              title="This thread as a case for twelve eval run (docs/evals.md)"
              onClick={() =>
                downloadEvalCase(threadId, head.agent).catch((caught) =>
                  setControlError(messageOf(caught)),
                )
              }
            >
              Download eval case
            </button>
          </nav>
          <Alert message={controlError} />

          <div class="thread-body">
            <div class="thread-side">
              {head.status === "waiting_for_approval" &&
                head.pending?.kind === "approval" &&
                may("decide") && (
                  <ApprovalPanel
                    key={head.pending.callId}
                    threadId={threadId}
                    pending={head.pending}
                    onDone={thread.refresh}
                  />
                )}
              {head.status === "waiting_for_human" &&
                head.pending?.kind !== "approval" &&
                head.pending &&
                may("decide") && (
                  <ReplyPanel
                    key={head.pending.callId}
                    threadId={threadId}
                    pending={head.pending}
                    onDone={thread.refresh}
                  />
                )}
              {head.status === "waiting_for_callback" && head.callback && (
                <CallbackCard callback={head.callback} />
              )}
              {head.status === "waiting_for_agent" && (
                <DescendantWaits
                  descendants={head.descendants ?? []}
                  mayDecide={may("decide")}
                  onDone={thread.refresh}
                />
              )}
              {head.status === "done" && (
                <>
                  {head.output !== null && (
                    <section class="card output" aria-labelledby="output-title">
                      <h2 id="output-title">Output</h2>
                      <p class="text">{head.output}</p>
                    </section>
                  )}
                  {may("message") && <FollowUpPanel threadId={threadId} onDone={thread.refresh} />}
                </>
              )}
              {head.status === "failed" && head.failure !== null && (
                <section class="card failure" aria-labelledby="failure-title">
                  <h2 id="failure-title">Failed</h2>
                  <p class="text">{head.failure}</p>
                </section>
              )}
              {head.status === "running" && (
                <p class="hint running" aria-live="polite">
                  Running…
                </p>
              )}
              {head.status === "waiting_for_agent" && (
                <p class="hint running" aria-live="polite">
                  Waiting for a sub-agent…
                </p>
              )}
              <SubAgentsPanel head={head} />

              <section class="card usage" aria-labelledby="usage-title">
                <h2 id="usage-title">Usage</h2>
                {head?.usage ? (
                  <p>
                    <strong>{head.usage.inputTokens.toLocaleString()}</strong> input tokens,{" "}
                    <strong>{head.usage.outputTokens.toLocaleString()}</strong> output tokens over{" "}
                    {head.usage.modelCalls} model {head.usage.modelCalls === 1 ? "call" : "calls"}
                    {head.usage.estimatedCostUsd === null
                      ? "."
                      : `: about $${head.usage.estimatedCostUsd.toFixed(4)}.`}
                    {head.usage.unpriced.length > 0 &&
                      ` No price for ${head.usage.unpriced.join(", ")}.`}
                  </p>
                ) : (
                  <p>
                    <strong>{usage.inputTokens.toLocaleString()}</strong> input tokens,{" "}
                    <strong>{usage.outputTokens.toLocaleString()}</strong> output tokens over{" "}
                    {usage.calls} model {usage.calls === 1 ? "call" : "calls"}
                    {firstShown > 1 ? ` (events #${firstShown} on)` : ""}.
                  </p>
                )}
              </section>
            </div>
            <div class="thread-main">
              {showContext && <ContextPanel threadId={threadId} version={head.version} />}

              <section class="card" aria-labelledby="timeline-title">
                <h2 id="timeline-title">Timeline</h2>
                {firstShown > 1 && (
                  <button type="button" onClick={thread.loadOlder}>
                    Load older events
                  </button>
                )}
                <Timeline
                  events={events}
                  {...(may("fork") ? { onFork: fork } : {})}
                  forkError={forkError}
                />
              </section>
            </div>
          </div>
        </>
      )}
      <ConfirmDialog request={confirm} />
    </main>
  );
}
