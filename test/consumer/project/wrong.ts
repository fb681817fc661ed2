// A deliberate type error the published declarations must catch: a status is not a number.
import { createRunner } from "twelve-agents";
import { ScriptedModel } from "twelve-agents/testing";
import { agents } from "./agents.ts";

const runner = createRunner({ agents, model: new ScriptedModel([]) });
export const status: number = (await runner.get("thr_x")).status;
