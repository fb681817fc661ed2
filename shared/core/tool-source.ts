import type { Agent } from "./agent.ts";
import { ConfigError, registerErrorNames, TwelveError } from "./errors.ts";
import { canonicalJson, hashArgs } from "./hash.ts";
import type { Tool } from "./tool.ts";

/** A tool source did not answer, or answered with tools the agent cannot use. */
export class ToolSourceError extends TwelveError {
  readonly source: string;
  constructor(source: string, message: string, options: { cause?: unknown; retryable: boolean }) {
    super(message, { ...options, code: "tools_unavailable" });
    this.source = source;
  }
}
registerErrorNames({ ToolSourceError });

/**
 * The agent with its sources' tools beside its own: what a step is given once the runtime has
 * listed them. Two tools of one name (between sources, or with the agent's own) are refused,
 * naming both sides: the `prefix` option of a source resolves it.
 *
 * @example
 * const resolved = withSourceTools(agent, [{ source: "crm", tools: await crm.tools() }]);
 */
export function withSourceTools(
  agent: Agent,
  listed: readonly { source: string; tools: readonly Tool[] }[],
): Agent {
  const owner = new Map<string, string>(agent.tools.map((tool) => [tool.name, "its own tools"]));
  const byName = new Map<string, Tool>(agent.tools.map((tool) => [tool.name, tool]));
  for (const { source, tools } of listed) {
    for (const tool of tools) {
      const taken = owner.get(tool.name);
      if (taken) {
        throw new ConfigError(
          `agent "${agent.name}": MCP server "${source}" has a tool named "${tool.name}", as ` +
            `${taken === "its own tools" ? "one of the agent's own tools" : `MCP server "${taken}"`} ` +
            `does: give mcpServer({ name: "${source}" }) a prefix`,
        );
      }
      owner.set(tool.name, source);
      byName.set(tool.name, tool);
    }
  }
  return Object.freeze({
    ...agent,
    tools: [...byName.values()],
    tool: (name: string) => byName.get(name),
  });
}

/** The fingerprint of a tool set as the model was shown it, and of each of its tools. */
export interface ToolSetPrint {
  fingerprint: string;
  tools: Record<string, string>;
}

/**
 * What identifies a tool set: a hash per tool of what the model and the control flow see of it
 * (its spec and its kind), and one over them all. Equal sets print the same whatever the order.
 */
export function printToolSet(tools: readonly Tool[]): ToolSetPrint {
  const prints: Record<string, string> = {};
  for (const tool of [...tools].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    prints[tool.name] = hashArgs({ spec: tool.spec, kind: tool.kind }).slice(0, 16);
  }
  return { fingerprint: hashArgs(canonicalJson(prints)).slice(0, 16), tools: prints };
}

/** Which tools differ between two prints: added, removed, and changed (same name, new print). */
export function toolSetChange(
  before: Record<string, string>,
  after: Record<string, string>,
): { added: string[]; removed: string[]; changed: string[] } {
  const names = (record: Record<string, string>) => Object.keys(record).sort();
  return {
    added: names(after).filter((name) => !(name in before)),
    removed: names(before).filter((name) => !(name in after)),
    changed: names(after).filter((name) => name in before && before[name] !== after[name]),
  };
}
