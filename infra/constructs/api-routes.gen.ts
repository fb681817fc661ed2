/**
 * The HTTP API's routes as the gateway needs them, generated from the router's route table
 * (`functions/api/routes.ts`) so that `cdk synth` loads no router: do not edit by hand.
 * test/infra/api-routes.test.ts fails when this file is stale; run it with UPDATE_API_ROUTES=1
 * after changing a route. `openAtGateway`: the route has no authorizer, and why.
 */
export const apiRoutes: readonly ApiRoute[] = [
  {
    method: "GET",
    path: "/console",
    openAtGateway:
      "The web console's static page and assets: no data and no secret; every API call the page makes carries the bearer key and goes through the authorizer.",
  },
  {
    method: "GET",
    path: "/console/{path+}",
    openAtGateway:
      "The web console's static page and assets: no data and no secret; every API call the page makes carries the bearer key and goes through the authorizer.",
  },
  {
    method: "POST",
    path: "/slack/interactions",
    openAtGateway:
      "Slack's requests: the function checks Slack's v0 HMAC-SHA256 signature with a 5-minute window before it reads the body.",
  },
  {
    method: "POST",
    path: "/slack/commands",
    openAtGateway:
      "Slack's requests: the function checks Slack's v0 HMAC-SHA256 signature with a 5-minute window before it reads the body.",
  },
  {
    method: "POST",
    path: "/slack/events",
    openAtGateway:
      "Slack's requests: the function checks Slack's v0 HMAC-SHA256 signature with a 5-minute window before it reads the body.",
  },
  {
    method: "GET",
    path: "/email/decisions",
    openAtGateway:
      "The pages an approval or question email links to: the function checks the link's HMAC-SHA256 signature (thread, call, argsHash, recipient, expiry) and its expiry; GET changes nothing.",
  },
  {
    method: "POST",
    path: "/email/decisions",
    openAtGateway:
      "The pages an approval or question email links to: the function checks the link's HMAC-SHA256 signature (thread, call, argsHash, recipient, expiry) and its expiry; GET changes nothing.",
  },
  {
    method: "GET",
    path: "/agents",
  },
  {
    method: "GET",
    path: "/me",
  },
  {
    method: "GET",
    path: "/health",
  },
  {
    method: "HEAD",
    path: "/health",
  },
  {
    method: "GET",
    path: "/openapi.json",
  },
  {
    method: "POST",
    path: "/threads",
  },
  {
    method: "GET",
    path: "/threads",
  },
  {
    method: "GET",
    path: "/threads/{id}",
  },
  {
    method: "DELETE",
    path: "/threads/{id}",
  },
  {
    method: "GET",
    path: "/threads/{id}/events",
  },
  {
    method: "GET",
    path: "/threads/{id}/events/{version}/data",
  },
  {
    method: "GET",
    path: "/threads/{id}/context",
  },
  {
    method: "POST",
    path: "/threads/{id}/responses",
  },
  {
    method: "POST",
    path: "/callbacks/{token}",
    openAtGateway:
      "A callback tool's answer: the path's single-use token (128 random bits, kept only as a sha256 in the thread) is the credential, as in a signed webhook; the function refuses any token no waiting call was given (401).",
  },
  {
    method: "POST",
    path: "/threads/{id}/messages",
  },
  {
    method: "POST",
    path: "/threads/{id}/fork",
  },
  {
    method: "POST",
    path: "/threads/{id}/cancel",
  },
  {
    method: "POST",
    path: "/hooks/{source}",
    openAtGateway:
      "Signed webhook: the function checks an HMAC-SHA256 signature with a 5-minute window and replay protection before it reads the body.",
  },
  {
    method: "POST",
    path: "/mcp",
  },
];

/** One route: its method, its path (`{name}` one segment, `{name+}` the rest). */
export interface ApiRoute {
  method: string;
  path: string;
  openAtGateway?: string;
}
