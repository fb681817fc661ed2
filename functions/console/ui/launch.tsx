import { useState } from "preact/hooks";
import { api, messageOf } from "./api.ts";
import { Alert } from "./common.tsx";
import { navigate, threadRoute } from "./router.ts";
import type { AgentInfo } from "./types.ts";

/** Starts a thread (`POST /threads`) and opens it. */
export function LaunchForm(props: { agents: AgentInfo[] }) {
  const [agent, setAgent] = useState(props.agents[0]?.name ?? "");
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tools = props.agents.find((a) => a.name === agent)?.tools ?? [];
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { threadId } = await api<{ threadId: string }>("POST", "/threads", { agent, message });
      navigate(threadRoute(threadId));
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
      </form>
    </section>
  );
}
