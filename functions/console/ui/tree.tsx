import { ApprovalPanel, ReplyPanel } from "./answers.tsx";
import { CallbackCard } from "./callback-card.tsx";
import { Link, StatusBadge, Time } from "./common.tsx";
import { threadRoute } from "./router.ts";
import type { ThreadView, TreeNode, WaitingDescendant } from "./types.ts";

/**
 * Sub-agents of a thread: its parent and root (a child thread), the tree of child threads its
 * agent tools launched with their statuses (each under the thread that launched it), what the
 * tree waits on, and the usage and cost of the whole tree. Nothing for a thread outside any tree.
 */
export function SubAgentsPanel(props: {
  head: Pick<ThreadView, "threadId" | "parent" | "children" | "descendants" | "treeUsage">;
}) {
  const { parent, children, descendants, treeUsage } = props.head;
  if (!parent && !children?.length) return null;
  const waiting = (descendants ?? []).filter((d) => d.pending || d.callback);
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
          <Link to={threadRoute(d.threadId)}>{d.agent}</Link> {waitsFor(d)}: answer it here or on
          that thread.
        </p>
      ))}
      {children && children.length > 0 && <Branches nodes={children} under={props.head.threadId} />}
      {treeUsage && (
        <p class="tree-usage">
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

/** What a waiting descendant waits for, in words. */
function waitsFor(d: WaitingDescendant) {
  if (d.pending) {
    return (
      <>
        waits for {d.pending.kind === "approval" ? "approval of" : "an answer about"}{" "}
        <code>{d.pending.tool}</code>
      </>
    );
  }
  return (
    <>
      waits for a callback to <code>{d.callback?.tool}</code> (expires{" "}
      <Time at={d.callback?.expiresAt ?? ""} />)
    </>
  );
}

/**
 * The threads launched by `under`, each followed by its own, nested: a grandchild sits under
 * the child that launched it, whatever order the API lists them in. A thread whose parent is
 * not in the list (past the API's cap) sits at the top.
 */
function Branches(props: { nodes: readonly TreeNode[]; under: string }) {
  const known = new Set(props.nodes.map((n) => n.threadId));
  const byParent = new Map<string, TreeNode[]>();
  for (const node of props.nodes) {
    const parent = known.has(node.parentThreadId) ? node.parentThreadId : props.under;
    byParent.set(parent, [...(byParent.get(parent) ?? []), node]);
  }
  const branch = (parentId: string, seen: Set<string>) => (
    <ul class="tree">
      {(byParent.get(parentId) ?? []).map((node) => (
        <li key={node.threadId}>
          <span class="node">
            <Link to={threadRoute(node.threadId)}>{node.agent}</Link>{" "}
            <StatusBadge status={node.status} />
          </span>
          {byParent.has(node.threadId) &&
            !seen.has(node.threadId) &&
            branch(node.threadId, new Set([...seen, node.threadId]))}
        </li>
      ))}
    </ul>
  );
  return branch(props.under, new Set([props.under]));
}

/**
 * At a root waiting on its tree: each waiting sub-agent's call, answered from here (Approve /
 * Reject, or a reply, posted to that sub-agent's thread: the answer resumes it, never the
 * root), and each callback a sub-agent waits for, with its expiry.
 */
export function DescendantWaits(props: {
  descendants: readonly WaitingDescendant[];
  mayDecide: boolean;
  onDone: () => void;
}) {
  return (
    <>
      {props.descendants.map((d, i) => {
        const id = `sub-${i}`;
        const who = `${d.agent} (a sub-agent)`;
        if (d.pending?.kind === "approval") {
          return props.mayDecide ? (
            <ApprovalPanel
              key={`${d.threadId}/${d.pending.callId}`}
              id={id}
              title={`${d.agent} waits for approval`}
              who={who}
              threadId={d.threadId}
              pending={d.pending}
              onDone={props.onDone}
            />
          ) : null;
        }
        if (d.pending) {
          return props.mayDecide ? (
            <ReplyPanel
              key={`${d.threadId}/${d.pending.callId}`}
              id={id}
              title={`${d.agent} asks`}
              threadId={d.threadId}
              pending={d.pending}
              onDone={props.onDone}
            />
          ) : null;
        }
        if (d.callback) {
          return <CallbackCard key={d.threadId} id={id} who={d.agent} callback={d.callback} />;
        }
        return null;
      })}
    </>
  );
}
