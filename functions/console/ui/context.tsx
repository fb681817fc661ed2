import { useEffect, useState } from "preact/hooks";
import { api, messageOf } from "./api.ts";
import { Alert, Block, json } from "./common.tsx";
import type { ContextView } from "./types.ts";

/** What the model sees next (`GET /threads/{id}/context`): the prompt, the context, the tools. */
export function ContextPanel(props: { threadId: string; version: number }) {
  const [context, setContext] = useState<ContextView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api<ContextView>("GET", `/threads/${encodeURIComponent(props.threadId)}/context`)
      .then((answer) => {
        if (!live) return;
        setContext(answer);
        setError(null);
      })
      .catch((caught) => live && setError(messageOf(caught)));
    return () => {
      live = false;
    };
  }, [props.threadId, props.version]);
  return (
    <section id="context" class="card" aria-labelledby="context-title">
      <h2 id="context-title">Context the model sees next</h2>
      <Alert message={error} />
      {context && (
        <>
          {context.tokens !== undefined && (
            <p class="hint context-tokens">
              About {context.tokens.toLocaleString()} tokens
              {context.contextBudget
                ? ` of a ${context.contextBudget.toLocaleString()} budget`
                : ""}
              {context.compaction
                ? `; events #${context.compaction.from}–#${context.compaction.to} are compacted`
                : ""}
              .
            </p>
          )}
          {context.messages.map((message, i) => (
            // The messages are positional: their index is their identity.
            <div key={`${i}-${message.role}`} class="context-message">
              <h3>{message.role === "system" ? "System prompt" : `Message (${message.role})`}</h3>
              <pre class="block">{message.content}</pre>
            </div>
          ))}
          <h3>Tools</h3>
          <ul class="tools">
            {context.tools.map((tool) => (
              <li key={tool.name} class="tool">
                <code class="tool-name">{tool.name}</code>
                <p class="text">{tool.description}</p>
                <Block label="JSON Schema" text={json(tool.parameters)} collapseOver={0} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
