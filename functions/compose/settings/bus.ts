import * as z from "zod";
import { type RawSettings, readEnv } from "../../../shared/config/read-env.ts";

const schema = z.object({
  EVENT_BUS_NAME: z.string().min(1),
  /** Base URL of the HTTP API, for the links in notices. */
  PUBLIC_URL: z.string().default(""),
});

/** The EventBridge bus the notices go to, and the base of the links they carry. */
export interface BusSettings {
  name: string;
  /** `https://api.example.com`: a notice links to `<publicUrl>/threads/<id>`. */
  publicUrl: string;
}

/** `EVENT_BUS_NAME`, `PUBLIC_URL`. */
export function readBusSettings(env: RawSettings): BusSettings {
  const read = readEnv(schema, env);
  return { name: read.EVENT_BUS_NAME, publicUrl: read.PUBLIC_URL };
}
