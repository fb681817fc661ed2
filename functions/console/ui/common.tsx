import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { href, isPlainClick, navigate } from "./router.ts";

/** A link to a console route that stays in the page (a modified click still opens a tab). */
export function Link(props: { to: string; class?: string; children: ComponentChildren }) {
  return (
    <a
      href={href(props.to)}
      class={props.class}
      onClick={(event) => {
        if (!isPlainClick(event)) return;
        event.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}

/** An error next to the control that caused it, read out when it appears. */
export function Alert(props: { message: string | null }) {
  if (!props.message) return null;
  return (
    <p role="alert" class="alert">
      {props.message}
    </p>
  );
}

/** A value as JSON text (always text: never markup): on one line when short, else indented. */
export const json = (value: unknown): string => {
  if (value === undefined) return "";
  try {
    const line = JSON.stringify(value) ?? String(value);
    return line.length <= 60 ? line : JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
};

/** Long text collapsed behind a summary; short text shown as it is. */
export function Block(props: { text: string; label: string; collapseOver?: number }) {
  const limit = props.collapseOver ?? 400;
  const lines = props.text.split("\n").length;
  if (props.text.length <= limit && lines <= 12) return <pre class="block">{props.text}</pre>;
  return (
    <details class="collapsed">
      <summary>
        {props.label} ({props.text.length.toLocaleString()} characters)
      </summary>
      <pre class="block">{props.text}</pre>
    </details>
  );
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** An ISO time as the reader's local time, with the exact value in `datetime`. */
export function Time(props: { at: string; relativeTo?: number }) {
  const date = new Date(props.at);
  if (Number.isNaN(date.getTime())) return <span>{props.at}</span>;
  const full = date.toLocaleString();
  let shown = full;
  if (props.relativeTo !== undefined) {
    const seconds = Math.round((date.getTime() - props.relativeTo) / 1000);
    const abs = Math.abs(seconds);
    if (abs < 60) shown = relative.format(seconds, "second");
    else if (abs < 3600) shown = relative.format(Math.round(seconds / 60), "minute");
    else if (abs < 86_400) shown = relative.format(Math.round(seconds / 3600), "hour");
  }
  return (
    <time dateTime={props.at} title={full}>
      {shown}
    </time>
  );
}

export function StatusBadge(props: { status: string }) {
  return (
    <span class={`status status-${props.status.replace(/[^a-z_]/g, "")}`}>{props.status}</span>
  );
}

export interface ConfirmRequest {
  title: string;
  body: string;
  confirm?: string;
  resolve: (confirmed: boolean) => void;
}

/**
 * The confirmation step of a destructive or costly action: a modal `<dialog>` (focus moves in,
 * Escape keeps), with "Confirm" and "Keep".
 */
export function ConfirmDialog(props: { request: ConfirmRequest | null }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { request } = props;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (request && !element.open) element.showModal();
    if (!request && element.open) element.close();
  }, [request]);
  const answer = (confirmed: boolean) => request?.resolve(confirmed);
  return (
    <dialog
      ref={dialog}
      class="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onCancel={(event) => {
        event.preventDefault();
        answer(false);
      }}
    >
      {request && (
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            answer(true);
          }}
        >
          <h2 id="confirm-title">{request.title}</h2>
          <p id="confirm-body">{request.body}</p>
          <div class="row">
            <button type="submit" class="danger">
              Confirm
            </button>
            {/* The safe answer has the focus: Enter alone changes nothing. */}
            <button type="button" autofocus onClick={() => answer(false)}>
              Keep
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
