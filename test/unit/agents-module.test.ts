import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/core/errors.ts";
import { agents, DemoModel } from "../../shared/examples/agents.ts";
import { agentMap, checkAgentsModule } from "../../shared/runtime/agents.ts";

describe("Function: checkAgentsModule", () => {
  it("takes a module's agents and its model", () => {
    const model = new DemoModel();
    expect(checkAgentsModule({ agents, model }, "agents.ts")).toEqual({ agents, model });
    expect(checkAgentsModule({ agents, other: 1 }, "agents.ts")).toEqual({ agents });
  });

  it.each([
    [{}, /agents\.ts exports no `agents` array/],
    [{ agents: {} }, /exports no `agents` array/],
    [{ agents: [] }, /no agents: the agents module must export `agents`, a non-empty array/],
    [{ agents: [{ name: "x" }] }, /not an agent: use defineAgent\(\)/],
    [{ agents: [...agents, ...agents] }, /two agents are named "calculator"/],
    [{ agents, model: { answer: () => 1 } }, /a `model` without a next\(request\) method/],
  ])("refuses %j by name", (exports, message) => {
    expect(() => checkAgentsModule(exports, "agents.ts")).toThrow(ConfigError);
    expect(() => checkAgentsModule(exports, "agents.ts")).toThrow(message);
  });

  it("maps agents by name", () => {
    expect([...agentMap(agents).keys()]).toEqual(["calculator", "deploybot"]);
  });
});
