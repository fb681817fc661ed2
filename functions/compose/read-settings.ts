import type { RawSettings } from "../../shared/config/read-env.ts";
import { readApiSettings } from "./settings/api.ts";
import { readBusSettings } from "./settings/bus.ts";
import { readChannelSettings } from "./settings/channels.ts";
import { readModelSettings } from "./settings/model.ts";
import { readInboxSettings, readQueueSettings } from "./settings/queue.ts";
import { readStoreSettings } from "./settings/store.ts";
import { readWorkerSettings } from "./settings/worker.ts";
import { lazySettings, type SectionName, type SectionReaders, type Settings } from "./settings.ts";

/** Every section's reader: the environment's names of each (see docs/models-and-settings.md). */
export const sectionReaders: SectionReaders<SectionName> = {
  store: readStoreSettings,
  queue: readQueueSettings,
  bus: readBusSettings,
  api: readApiSettings,
  worker: readWorkerSettings,
  inbox: readInboxSettings,
  model: readModelSettings,
  channels: readChannelSettings,
  // Deployed, the SDK reads the region, endpoints and credentials from the environment itself.
  aws: () => ({}),
};

/**
 * The one settings object of a process, from the environment: each section read once, on first
 * use, and a bad value a `ConfigError` naming the variable.
 *
 * @example
 * const settings = readSettings(process.env);
 * settings.store.tableName; // TABLE_NAME
 */
export function readSettings(env: RawSettings = process.env): Settings {
  return lazySettings(env, sectionReaders);
}

/**
 * Reads every section now: a start (`twelve dev`, a test) that must fail on any bad setting
 * before it starts anything.
 */
export function readAllSettings(env: RawSettings = process.env): Settings {
  const settings = readSettings(env);
  for (const name of Object.keys(sectionReaders) as SectionName[]) void settings[name];
  return settings;
}
