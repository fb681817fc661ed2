import type { Agent } from "../core/agent.ts";
import { ConfigError, TwelveError } from "../core/errors.ts";
import { compactToolError } from "../core/tool-error.ts";
import { withSourceTools } from "../core/tool-source.ts";

/** What a start-up check of the agents' tool sources found, per agent. */
export interface ToolSourcesReport {
  /** `agent: server` for each source that listed its tools, with how many. */
  listed: { agent: string; source: string; tools: number }[];
  /** Sources that did not answer in time: their tools are listed again when a step needs them. */
  unanswered: { agent: string; source: string; reason: string }[];
}

/**
 * Lists every agent's tool sources (MCP servers) once, when a host starts (`twelve dev`,
 * `npm start`, your own server before it takes traffic), so a name two of them share, or one a
 * source shares with the agent's own tools, is a `ConfigError` at start, naming both; so is what
 * no retry can fix (a refused credential, an `include` or `approval` naming no tool the server
 * lists, a tool Twelve cannot use). A source that does not answer within `timeoutMs` (5 s) is
 * reported, not fatal: steps list it again when they need it. The sources' caches are cleared afterwards, so steps still list tools fresh.
 *
 * @example
 * const report = await checkToolSources(agents); // throws ConfigError on a clash
 * for (const { agent, source } of report.unanswered) console.warn(`${agent}: ${source} did not answer`);
 */
export async function checkToolSources(
  agents: Iterable<Agent>,
  options: { timeoutMs?: number } = {},
): Promise<ToolSourcesReport> {
  const report: ToolSourcesReport = { listed: [], unanswered: [] };
  const timeoutMs = options.timeoutMs ?? 5000;
  await Promise.all(
    [...agents].map(async (agent) => {
      if (agent.mcp.length === 0) return;
      const listed = await Promise.all(
        agent.mcp.map(async (source) => {
          const listing = source.tools();
          // Cleared once the listing settles (even one that outlives the timeout): the first
          // step lists the tools afresh.
          void listing.then(
            () => source.refresh?.(),
            () => source.refresh?.(),
          );
          try {
            const tools = await withTimeout(listing, timeoutMs, source.name);
            report.listed.push({ agent: agent.name, source: source.name, tools: tools.length });
            return { source: source.name, tools };
          } catch (cause) {
            // A refused credential, an include or approval naming no tool, a tool Twelve cannot
            // use: settings to fix, as a clash is. Only a source that did not answer is reported.
            if (cause instanceof ConfigError) throw cause;
            if (cause instanceof TwelveError && !cause.retryable) {
              throw new ConfigError(`agent "${agent.name}": ${cause.message}`, { cause });
            }
            const reason = compactToolError(cause).model;
            report.unanswered.push({ agent: agent.name, source: source.name, reason });
            return undefined;
          }
        }),
      );
      withSourceTools(
        agent,
        listed.filter((entry) => entry !== undefined),
      );
    }),
  );
  return report;
}

function withTimeout<T>(promise: Promise<T>, ms: number, source: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${source} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
