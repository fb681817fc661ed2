import { registerErrorNames, TwelveError } from "../core/errors.ts";

/** `POST /threads` named an agent this deployment does not serve. */
export class UnknownAgentError extends TwelveError {
  readonly agent: string;
  constructor(agent: string, known: readonly string[]) {
    super(`unknown agent "${agent}"; known agents: ${known.join(", ")}`, { code: "unknown_agent" });
    this.agent = agent;
  }
}

registerErrorNames({ UnknownAgentError });
