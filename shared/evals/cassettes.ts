import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson } from "../core/hash.ts";
import type { Model, ModelReply, ModelRequest } from "../core/ports.ts";
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
