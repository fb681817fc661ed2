/** `twelve-agents/testing`: what a user's tests need, and nothing of the project's own kit. */

export { MemoryThreadStore } from "../runtime/memory-store.ts";
export { steppingClock } from "./clock.ts";
export { call, invalid, ScriptedModel, type ScriptStep } from "./scripted-model.ts";
