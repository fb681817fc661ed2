import type { RawSettings } from "../../shared/config/read-env.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import type { ApiSettings } from "./settings/api.ts";
import type { AwsSettings } from "./settings/aws.ts";
import type { BusSettings } from "./settings/bus.ts";
import type { ChannelSettings } from "./settings/channels.ts";
import type { ModelSettings } from "./settings/model.ts";
import type { InboxSettings, QueueSettings } from "./settings/queue.ts";
import type { StoreSettings } from "./settings/store.ts";
import type { WorkerSettings } from "./settings/worker.ts";

/**
 * Everything a deployment is configured by, one section per concern. Deployed, `readSettings`
 * reads it from the environment the construct sets; `twelve dev` builds it as a plain object.
 */
export interface Settings {
  store: StoreSettings;
  queue: QueueSettings;
  bus: BusSettings;
  api: ApiSettings;
  worker: WorkerSettings;
  inbox: InboxSettings;
  model: ModelSettings;
  channels: ChannelSettings;
  aws: AwsSettings;
}

export type SectionName = keyof Settings;

/** How each section is read from the environment. */
export type SectionReaders<K extends SectionName> = {
  readonly [P in K]: (env: RawSettings) => Settings[P];
};

/**
 * The settings of `env`, each section read (and checked) on its first use and kept: a function
 * reads only the sections it uses, so the reaper starts without a queue URL, and a bad setting
 * fails its first invocation loudly by name. A section not in `readers` is a `ConfigError`.
 * Each Lambda entry passes only its own readers, so its bundle holds only their schemas.
 *
 * @example
 * const settings = lazySettings(process.env, { store: readStoreSettings });
 * settings.store.tableName; // ConfigError "invalid configuration: TABLE_NAME: is required"
 */
export function lazySettings<K extends SectionName>(
  env: RawSettings,
  readers: SectionReaders<K>,
): Settings {
  const read = new Map<SectionName, unknown>();
  const section = (name: SectionName): unknown => {
    if (!read.has(name)) {
      const reader = (readers as Partial<Record<SectionName, (env: RawSettings) => unknown>>)[name];
      if (!reader) {
        throw new ConfigError(`this function does not read the ${name} settings`);
      }
      read.set(name, reader(env));
    }
    return read.get(name);
  };
  const settings = {};
  for (const name of sectionNames) {
    Object.defineProperty(settings, name, { enumerable: true, get: () => section(name) });
  }
  return settings as Settings;
}

const sectionNames = [
  "store",
  "queue",
  "bus",
  "api",
  "worker",
  "inbox",
  "model",
  "channels",
  "aws",
] as const satisfies readonly SectionName[];
