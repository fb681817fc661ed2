import { useState } from "preact/hooks";
import { ApiError, api, messageOf, session } from "./api.ts";
import { Alert } from "./common.tsx";
import type { AgentInfo } from "./types.ts";

/**
 * Asks for an API key and checks it with `GET /agents` before keeping it in `sessionStorage`
 * (gone when the tab closes; never in a URL or a cookie).
 */
export function SignIn(props: {
  notice: string | null;
  onSignedIn: (agents: AgentInfo[]) => void;
}) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(props.notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError("Enter an API key.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { agents } = await api<{ agents: AgentInfo[] }>("GET", "/agents", undefined, trimmed);
      session.save(trimmed);
      props.onSignedIn(agents);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : messageOf(caught));
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>Twelve console</h1>
      <form onSubmit={submit} class="card stack">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
        <p class="hint">
          A key from the API-key secret. It is kept in this tab only, until you close it or sign
          out.
        </p>
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>
            Sign in
          </button>
        </div>
        <Alert message={error} />
      </form>
    </main>
  );
}
