import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { apiSections, buildApi } from "../compose/api.ts";
import type { Root } from "../compose/root.ts";
import type { ConsoleAssets } from "../console/serve.ts";
import { type HandlersOptions, rootFor } from "./lazy.ts";
import { lazyHandler } from "./lazy-handler.ts";

/**
 * The HTTP API's Lambda handler (API Gateway HTTP API, payload format 2.0). With `console` (the
 * assets `buildConsole` made at synthesis), it serves the web console at `/console` too.
 * Deployed, the gateway's authorizer checks the key and the environment names none.
 */
export function apiHandler(
  options: HandlersOptions | Root,
  extra: { console?: ConsoleAssets } = {},
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  return lazyHandler(() => buildApi(rootFor(options, apiSections), extra));
}
