export { steppingClock } from "./clock.ts";
export { MemoryThreadStore } from "./memory-store.ts";
export { call, invalid, ScriptedModel, type ScriptStep } from "./scripted-model.ts";
