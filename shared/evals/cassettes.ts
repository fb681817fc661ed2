import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Agent } from "../core/agent.ts";
import { canonicalJson } from "../core/hash.ts";
import type { JsonSchemaObject } from "../core/json-schema-tool.ts";
import type { Model, ModelReply, ModelRequest, ToolSource } from "../core/ports.ts";
import { defineTool, type Tool } from "../core/tool.ts";
import { ToolError } from "../core/tool-error.ts";
import { CassetteMissError } from "./errors.ts";

export interface CassetteOptions {
  /** The folder holding one `<key>.json` per request. */
  dir: string;
  /** Call the model and store each request and answer (else: replay only, fail closed on a miss). */
  record?: boolean;
  /** Where the `call`-th request (1-based) of this model is made (`case calc-1, step 3`), for a miss. */
  where?: (call: number) => string;
}

/** What one cassette file holds. */
interface Cassette {
  key: string;
  request: ModelRequest;
  reply: ModelReply;
}

/**
 * The key of a model request: the sha256 of its canonical JSON (key order does not matter) and
 * of the model's identity, so another model or another prompt is another key.
 */
export const cassetteKey = (model: Model, request: ModelRequest): string =>
  createHash("sha256")
    .update(canonicalJson({ model: model.identity ?? null, request }))
    .digest("hex");

/**
 * A model that answers from cassettes on disk: recorded once (`record: true` calls `model` and
 * keeps each request and answer), then replayed offline and deterministically. A request no
 * cassette holds fails closed with a `CassetteMissError` naming where it was made, never a call.
 *
 * @example
 * const offline = withCassettes(model, { dir: "evals/cassettes" });
 */
export function withCassettes(model: Model, options: CassetteOptions): Model {
  let calls = 0;
  return {
    ...(model.identity ? { identity: model.identity } : {}),
    async next(request: ModelRequest): Promise<ModelReply> {
      calls++;
      const key = cassetteKey(model, request);
      const file = join(options.dir, `${key}.json`);
      if (!options.record) {
        if (!existsSync(file)) {
          const where = options.where ? `${options.where(calls)}: ` : "";
          throw new CassetteMissError(
            `${where}no cassette for this model request (${key.slice(0, 12)}) in ${options.dir}: record it with --record`,
          );
        }
        return (JSON.parse(readFileSync(file, "utf8")) as Cassette).reply;
      }
      const reply = await model.next(request);
      mkdirSync(options.dir, { recursive: true });
      const cassette: Cassette = { key, request, reply };
      writeFileSync(file, `${JSON.stringify(cassette, null, 2)}\n`);
      return reply;
    },
  };
}

/** What a listing cassette holds: the tools one source of one agent listed, as the model saw them. */
interface ListingCassette {
  agent: string;
  source: string;
  tools: { name: string; description: string; parameters: JsonSchemaObject; kind: Tool["kind"] }[];
}

/**
 * The agent with its tool sources (MCP servers) answered from cassettes too: recorded
 * (`record: true`), each listing is kept as `<dir>/tools-<agent>-<source>.json`; replayed, the
 * tools are read from there and the server is never asked, so a replay runs offline. A listing
 * no cassette holds fails closed (`CassetteMissError`, naming where). The tools read from a
 * cassette have no server to run on: a replay serves the recording's results (`recorded` tools).
 *
 * @example
 * const offline = withListingCassettes(agent, { dir: "evals/cassettes" });
 */
export function withListingCassettes(
  agent: Agent,
  options: {
    dir: string;
    record?: boolean;
    where?: string;
    /** Told of a miss: a step records a source that cannot list as an error and goes on. */
    onMiss?: (miss: CassetteMissError) => void;
  },
): Agent {
  if (agent.mcp.length === 0) return agent;
  const mcp = agent.mcp.map((source): ToolSource => {
    const file = join(options.dir, `tools-${safe(agent.name)}-${safe(source.name)}.json`);
    const tools = async (): Promise<readonly Tool[]> => {
      if (options.record) {
        const listed = await source.tools();
        const cassette: ListingCassette = {
          agent: agent.name,
          source: source.name,
          tools: listed.map((tool) => ({
            name: tool.name,
            description: tool.spec.description,
            parameters: tool.spec.parameters as JsonSchemaObject,
            kind: tool.kind,
          })),
        };
        mkdirSync(options.dir, { recursive: true });
        writeFileSync(file, `${JSON.stringify(cassette, null, 2)}\n`);
        return listed;
      }
      if (!existsSync(file)) {
        const where = options.where ? `${options.where}: ` : "";
        const miss = new CassetteMissError(
          `${where}no cassette for the tools of MCP server "${source.name}" of agent "${agent.name}" in ${options.dir}: record it with --record`,
        );
        options.onMiss?.(miss);
        throw miss;
      }
      const cassette = JSON.parse(readFileSync(file, "utf8")) as ListingCassette;
      return cassette.tools.map((tool) =>
        defineTool({
          ...tool,
          run: () => {
            throw new ToolError(
              `${tool.name} was listed from a cassette: it has no server to run on`,
            );
          },
        } as Parameters<typeof defineTool>[0]),
      );
    };
    return { name: source.name, tools };
  });
  return Object.freeze({ ...agent, mcp });
}

/** A name as a file name's part: what a path would misread made `_`. */
const safe = (name: string) => name.replace(/[^a-zA-Z0-9_.-]/g, "_");
