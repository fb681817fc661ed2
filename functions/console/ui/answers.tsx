import { useState } from "preact/hooks";
import { api, messageOf } from "./api.ts";
import { Alert, Block, json } from "./common.tsx";
import type { Pending } from "./types.ts";

/** Runs one API call for a form: busy while it runs, its error shown by the form. */
function useSubmit(after: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (call: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await call();
      after();
      return true;
    } catch (caught) {
      setError(messageOf(caught));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** Arguments up to this many characters (as compact JSON) are shown open on the approval card. */
const OPEN_ARGS_CHARS = 400;

/**
 * The arguments a person approves: shown open when short (the refund's amount is what they
 * decide on), however many lines they indent to; long ones collapsed behind their size.
 */
function CallArguments(props: { args: unknown }) {
  const text = json(props.args);
  const compact = JSON.stringify(props.args) ?? "";
  if (compact.length <= OPEN_ARGS_CHARS) return <pre class="block">{text}</pre>;
  return <Block label="Arguments" text={text} />;
}

/** How a card names what asks: its title, and who wants the call (a sub-agent at the root). */
interface Asker {
  /** Unique on the page: a root shows its waiting sub-agent's card beside its own. */
  id?: string;
  title?: string;
  who?: string;
}

/**
 * A pending approval: the call and its arguments, a comment, Approve and Reject. At a root it
 * answers a waiting sub-agent's call: `threadId` is that sub-agent's thread.
 */
export function ApprovalPanel(
  props: { threadId: string; pending: Pending; onDone: () => void } & Asker,
) {
  const { pending } = props;
  const id = props.id ?? "approval";
  const [comment, setComment] = useState("");
  const { busy, error, run } = useSubmit(props.onDone);
  const decide = (approved: boolean) =>
    run(() =>
      api("POST", `/threads/${encodeURIComponent(props.threadId)}/responses`, {
        callId: pending.callId,
        approved,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
        // Bound to the arguments shown: a decision for other arguments is refused.
        ...(pending.argsHash ? { argsHash: pending.argsHash } : {}),
      }),
    ).then((ok) => ok && setComment(""));
  return (
    <section class="card pending" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{props.title ?? "Waiting for approval"}</h2>
      <p>
        {props.who ?? "The agent"} wants to call <code>{pending.tool}</code> with:
      </p>
      <CallArguments args={pending.args} />
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
        }}
      >
        <label for={`${id}-comment`}>Comment</label>
        <textarea
          id={`${id}-comment`}
          rows={2}
          value={comment}
          onInput={(event) => setComment(event.currentTarget.value)}
        />
        <div class="row">
          <button type="button" class="primary" disabled={busy} onClick={() => decide(true)}>
            Approve
          </button>
          <button type="button" class="danger" disabled={busy} onClick={() => decide(false)}>
            Reject
          </button>
        </div>
        <Alert message={error} />
      </form>
    </section>
  );
}

/** A text box with a Send button; `send` posts the text. */
function SendBox(props: {
  id: string;
  label: string;
  title: string;
  intro?: string;
  send: (text: string) => Promise<unknown>;
  onDone: () => void;
}) {
  const [text, setText] = useState("");
  const { busy, error, run } = useSubmit(props.onDone);
  return (
    <section class="card pending" aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.intro && <p class="text question">{props.intro}</p>}
      <form
        class="stack"
        onSubmit={async (event) => {
          event.preventDefault();
          if (await run(() => props.send(text))) setText("");
        }}
      >
        <label for={props.id}>{props.label}</label>
        <textarea
          id={props.id}
          rows={3}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
        <div class="row">
          <button type="submit" class="primary" disabled={busy || !text.trim()}>
            Send
          </button>
        </div>
        <Alert message={error} />
      </form>
    </section>
  );
}

/**
 * The agent asks a person (`pending.kind === "human_input"`), or the runtime stopped the run and
 * escalated it to an operator (`"escalation"`, not a question for the customer): a reply.
 */
export function ReplyPanel(
  props: { threadId: string; pending: Pending; onDone: () => void } & Asker,
) {
  const escalation = props.pending.kind === "escalation";
  return (
    <SendBox
      id={props.id ?? "reply"}
      label="Reply"
      title={
        props.title ??
        (escalation
          ? `Escalated to an operator (${props.pending.reason ?? "escalated"})`
          : "The agent asks")
      }
      intro={props.pending.message ?? "The agent waits for your answer."}
      send={(response) =>
        api("POST", `/threads/${encodeURIComponent(props.threadId)}/responses`, {
          callId: props.pending.callId,
          response,
        })
      }
      onDone={props.onDone}
    />
  );
}

/** A done thread takes the next turn: a follow-up message. */
export function FollowUpPanel(props: { threadId: string; onDone: () => void }) {
  return (
    <SendBox
      id="follow-up"
      label="Follow-up"
      title="Continue the thread"
      send={(message) =>
        api("POST", `/threads/${encodeURIComponent(props.threadId)}/messages`, { message })
      }
      onDone={props.onDone}
    />
  );
}
