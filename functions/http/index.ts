/**
 * `twelve-agents/http`: the HTTP API and the web console in your own server, as a fetch-style
 * handler over a runner's store (memory or DynamoDB), with steps run in process.
 *
 * @example
 * import { createServer } from "node:http";
 * import { createHttpApi, toNodeListener } from "twelve-agents/http";
 * const api = createHttpApi({ agents: [support], model, apiKeys: { alice: "<key>" } });
 * createServer(toNodeListener(api.fetch)).listen(3000);
 */
export type { ApiKeyGrant, ApiKeys } from "../api-keys.ts";
export type { ConsoleAssets } from "../console/serve.ts";
export {
  createHttpApi,
  type HttpApi,
  type HttpApiOptions,
  type HttpApiSettings,
} from "./http-api.ts";
export { type FetchHandler, toNodeListener } from "./node-listener.ts";
