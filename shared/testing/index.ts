export { steppingClock } from "./clock.ts";
export { DemoModel, planArithmetic } from "./demo-model.ts";
export { MemoryReplayGuard } from "./memory-replay-guard.ts";
export { MemoryThreadStore } from "./memory-store.ts";
export { call, invalid, ScriptedModel, type ScriptStep } from "./scripted-model.ts";
