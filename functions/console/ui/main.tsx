import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { agentsWithoutKey, api, messageOf, session, setUnauthorizedHandler } from "./api.ts";
import { Link } from "./common.tsx";
import { useRoute } from "./router.ts";
import { loadMe } from "./scope.ts";
import { SignIn } from "./signin.tsx";
import { ThreadPage } from "./thread.tsx";
import { ThreadsPage } from "./threads.tsx";
import type { AgentInfo } from "./types.ts";
import "./styles.css";

/**
 * The web console: sign in with an API key, then the thread list (with the launch form) at
 * `/console` and one thread at `/console/threads/{id}`.
 */
function App() {
  const route = useRoute();
  const [signedIn, setSignedIn] = useState(() => session.key() !== null);
  const [agents, setAgents] = useState<AgentInfo[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // What the key may do (GET /me): the pages wait for it, to hide what it may not.
  const [scoped, setScoped] = useState(false);
  // Without a stored key, ask once whether the API needs one at all: a stack run without keys
  // opens straight to the threads, with no sign-in form and no Sign out.
  const [probing, setProbing] = useState(() => session.key() === null);
  const [keyless, setKeyless] = useState(false);

  useEffect(() => {
    if (!probing) return;
    agentsWithoutKey<{ agents: AgentInfo[] }>()
      .then((answer) => {
        if (!answer) return;
        setAgents(answer.agents);
        setKeyless(true);
        setSignedIn(true);
      })
      .catch(() => {}) // unreachable or odd: the sign-in form says what the API answers
      .finally(() => setProbing(false));
  }, [probing]);

  useEffect(() => {
    setUnauthorizedHandler((message) => {
      session.clear();
      setAgents(null);
      setNotice(message);
      setSignedIn(false);
    });
  }, []);

  // A reload keeps the key (sessionStorage): the agents are read again with it.
  useEffect(() => {
    if (!signedIn || agents) return;
    api<{ agents: AgentInfo[] }>("GET", "/agents")
      .then((answer) => setAgents(answer.agents))
      .catch((caught) => setError(messageOf(caught)));
  }, [signedIn, agents]);

  useEffect(() => {
    setScoped(false);
    if (signedIn) loadMe().then(() => setScoped(true));
  }, [signedIn]);

  useEffect(() => {
    if (!route.startsWith("threads/")) document.title = "Threads · Twelve console";
  }, [route]);

  if (probing) return <main class="signin" aria-busy="true" />;
  if (!signedIn) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(list) => {
          setAgents(list);
          setNotice(null);
          setSignedIn(true);
        }}
      />
    );
  }

  const signOut = () => {
    session.clear();
    setAgents(null);
    setSignedIn(false);
  };
  const thread = /^threads\/([^/]+)$/.exec(route);
  let page = null;
  if (thread?.[1]) {
    const threadId = decodeURIComponent(thread[1]);
    // A new thread is a new page: nothing of the last one's state shows while it loads.
    page = <ThreadPage key={threadId} threadId={threadId} />;
  } else if (route === "") {
    page = (
      <main>
        <h1 class="visually-hidden">Twelve console</h1>
        {agents && <ThreadsPage agents={agents} />}
      </main>
    );
  } else {
    page = (
      <main>
        <h1>Not found</h1>
        <p>
          The console has no page here. <Link to="">Go to the threads</Link>
        </p>
      </main>
    );
  }

  return (
    <>
      <header class="top">
        <Link to="" class="brand">
          Twelve console
        </Link>
        {!keyless && (
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      {error && (
        <p role="alert" class="alert">
          {error}
        </p>
      )}
      {scoped && page}
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
