import type { AgentsModule } from "../../shared/runtime/agents.ts";
import { assemble, type Root } from "../compose/root.ts";

import { lazySettings, type SectionName, type SectionReaders } from "../compose/settings.ts";

/**
 * What the handler factories take: an agents module's exports, its `agents` and optionally its
 * `model` (the model rule's second choice, after an agent's own).
 */
export type HandlersOptions = AgentsModule;

/**
 * The composition root of a Lambda function: assembled from the environment (only `sections`
 * are read), or the one handed in (a host or a test that built its own).
 */
export function rootFor<K extends SectionName>(
  options: HandlersOptions | Root,
  sections: SectionReaders<K>,
): Root {
  return "deps" in options ? options : assemble(lazySettings(process.env, sections), options);
}
