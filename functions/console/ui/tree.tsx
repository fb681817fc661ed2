import { Link, StatusBadge } from "./common.tsx";
import { threadRoute } from "./router.ts";
import type { ThreadView } from "./types.ts";

/**
 * Sub-agents of a thread: its parent and root (a child thread), the tree of child threads its
 * agent tools launched with their statuses, what the tree waits on (answered on the child that
 * asks), and the usage and cost of the whole tree. Nothing for a thread outside any tree.
 */
export function SubAgentsPanel(props: {
  head: Pick<ThreadView, "parent" | "children" | "descendants" | "treeUsage">;
}) {
  const { parent, children, descendants, treeUsage } = props.head;
  if (!parent && !children?.length) return null;
  const waiting = (descendants ?? []).filter((d) => d.pending);
  return (
    <section class="card sub-agents" aria-labelledby="sub-agents-title">
      <h2 id="sub-agents-title">Sub-agents</h2>
      {parent && (
        <p>
          A sub-agent of <Link to={threadRoute(parent.threadId)}>{parent.threadId}</Link> (call{" "}
          <code>{parent.callId}</code>, depth {parent.depth})
          {parent.rootThreadId !== parent.threadId && (
            <>
              ; root <Link to={threadRoute(parent.rootThreadId)}>{parent.rootThreadId}</Link>
            </>
          )}
          .
        </p>
      )}
      {waiting.map((d) => (
        <p class="hint waiting" key={d.threadId}>
          <Link to={threadRoute(d.threadId)}>{d.agent}</Link> waits for{" "}
          {d.pending?.kind === "approval" ? "approval of" : "an answer about"}{" "}
          <code>{d.pending?.tool}</code>: answer it on that thread.
        </p>
      ))}
      {children && children.length > 0 && (
        <ul class="tree">
          {children.map((child) => (
            <li key={child.threadId} style={{ marginLeft: `${(child.depth - 1) * 1.25}rem` }}>
              <Link to={threadRoute(child.threadId)}>{child.agent}</Link>{" "}
              <StatusBadge status={child.status} />
            </li>
          ))}
        </ul>
      )}
      {treeUsage && (
        <p>
          The whole tree: <strong>{treeUsage.inputTokens.toLocaleString()}</strong> input tokens,{" "}
          <strong>{treeUsage.outputTokens.toLocaleString()}</strong> output tokens over{" "}
          {treeUsage.modelCalls} model {treeUsage.modelCalls === 1 ? "call" : "calls"}
          {treeUsage.estimatedCostUsd === null
            ? "."
            : `: about $${treeUsage.estimatedCostUsd.toFixed(4)}.`}
        </p>
      )}
    </section>
  );
}
