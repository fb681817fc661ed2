import { useState } from "preact/hooks";
import { api, messageOf } from "./api.ts";
import { Alert } from "./common.tsx";
import { navigate, threadRoute } from "./router.ts";
import { may } from "./scope.ts";
import type { AgentInfo } from "./types.ts";

/**
 * Starts a thread (`POST /threads`) and opens it; for a key that may not read threads, says the
 * new thread's id and status instead of opening a page it could not read.
 */
export function LaunchForm(props: { agents: AgentInfo[] }) {
  const [agent, setAgent] = useState(props.agents[0]?.name ?? "");
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [launched, setLaunched] = useState<{ threadId: string; status: string } | null>(null);
  const tools = props.agents.find((a) => a.name === agent)?.tools ?? [];
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setLaunched(null);
    try {
      const started = await api<{ threadId: string; status: string }>("POST", "/threads", {
        agent,
        message,
      });
      if (may("read")) {
        navigate(threadRoute(started.threadId));
        return;
      }
      setLaunched(started);
      setMessage("");
      setBusy(false);
    } catch (caught) {
      setError(messageOf(caught));
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="launch-title">
      <h2 id="launch-title">Launch</h2>
      <form onSubmit={submit} class="stack">
        <label for="launch-agent">Agent</label>
        <select
          id="launch-agent"
          value={agent}
          onChange={(event) => setAgent(event.currentTarget.value)}
        >
          {props.agents.map((a) => (
            <option key={a.name} value={a.name}>
              {a.name}
            </option>
          ))}
        </select>
        {tools.length > 0 && (
          <p class="hint">Tools: {tools.map((t) => `${t.name} (${t.kind})`).join(", ")}</p>
        )}
        <label for="launch-message">Message</label>
        <textarea
          id="launch-message"
          rows={4}
          value={message}
          onInput={(event) => setMessage(event.currentTarget.value)}
        />
        <div class="row">
          <button type="submit" class="primary" disabled={busy || !agent}>
            Launch
          </button>
        </div>
        <Alert message={error} />
        {launched && (
          <p role="status" class="hint">
            Launched thread <code>{launched.threadId}</code> ({launched.status}). This key may not
            read threads, so it cannot open it.
          </p>
        )}
      </form>
    </section>
  );
}
