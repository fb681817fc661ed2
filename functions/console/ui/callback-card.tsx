import { Time } from "./common.tsx";
import type { CallbackWait } from "./types.ts";

/**
 * A callback tool's call that waits for the outside world (a CI run, a payment): its tool, call,
 * since when and its expiry. Nothing to press: the answer comes by the token `start` handed out.
 * At a root it shows a waiting sub-agent's wait (`who` names it).
 */
export function CallbackCard(props: { callback: CallbackWait; id?: string; who?: string }) {
  const { callback } = props;
  const id = props.id ?? "callback";
  return (
    <section class="card pending" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        {props.who ? `${props.who} waits for a callback` : "Waiting for a callback"}
      </h2>
      <p class="text">
        <code>{callback.tool}</code> waits for its answer (call <code>{callback.callId}</code>)
        since <Time at={callback.at} />; it expires at <Time at={callback.expiresAt} />, and the
        model then reads that it expired.
      </p>
    </section>
  );
}
