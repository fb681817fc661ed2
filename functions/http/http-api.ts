import type { Logger } from "@aws-lambda-powertools/logger";
import type { Actor } from "../../shared/core/events.ts";
import type { StepMessage } from "../../shared/core/ports.ts";
import { expireIfDue } from "../../shared/runtime/expire-approvals.ts";
import {
  createRunner,
  type Runner,
  type RunnerOptions,
  runnerHost,
} from "../../shared/runtime/runner.ts";
import { createApiHandler } from "../api/app.ts";
import type { ApiKeys } from "../api-keys.ts";
import type { ConsoleAssets } from "../console/serve.ts";
import { logger as defaultLogger } from "../logger.ts";
import { loadConsole } from "./console.ts";
import { requestToEvent, resultToResponse } from "./fetch-event.ts";
import { threadOfRequest } from "./thread-of-request.ts";

/** The settings of the API itself, whichever runner serves it. */
export interface HttpApiSettings {
  /**
   * Named keys (`{ alice: "<key>" }`, or scoped: `{ desk: { key, agents, can } }`): every route
   * but `GET /health` then needs `Authorization: Bearer <key>`, and the key's name is who acts.
   * Without keys the API is open: keep it behind your own authentication.
   */
  apiKeys?: ApiKeys;
  /** One key, the same as `apiKeys: { "api-key": apiKey }`; not with `apiKeys`. */
  apiKey?: string;
  /** Largest request body accepted, in bytes. Default 65,536 (as `MAX_BODY_BYTES`). */
  maxBodyBytes?: number;
  /**
   * The web console at `/console`: `true` builds it on the first request (needs `esbuild`, as
   * `twelve dev` does), or pass assets built once. Default: no console (404).
   */
  console?: boolean | ConsoleAssets;
  /** Where failures of ours and of steps run in the background are logged. */
  logger?: Logger;
}

/** Who rejects an approval that expired, found by a request on its thread. */
const EXPIRY: Actor = { principal: "approval-timeout", via: "api" };

/** Serve an existing runner (its store, model and agents), or the options to create one. */
export type HttpApiOptions = HttpApiSettings & ({ runner: Runner } | RunnerOptions);

/** The HTTP API and console as a fetch-style handler, for any server. */
export interface HttpApi {
  /** Answers one request: `(Request) => Promise<Response>`, for Hono, Fastify, node:http, Express. */
  fetch(request: Request): Promise<Response>;
  /** Resolves once every step the API's requests started has run (tests, graceful shutdown). */
  idle(): Promise<void>;
  /** The runner behind the API: the same threads, in process. */
  runner: Runner;
}

/**
 * The HTTP API of `twelve dev` and AWS (the same router: launch, respond, message, cancel, fork,
 * read, OpenAPI, console) over a runner's store, as a fetch handler. A request answers as soon as
 * its write is done (`202`); the steps it enqueued run in this process in the background, one
 * thread at a time, as `runner.launch` runs them: no queue, no worker.
 *
 * @example
 * const api = createHttpApi({ agents: [support], model, apiKeys: { alice: process.env.KEY ?? "" } });
 * createServer(toNodeListener(api.fetch)).listen(3000);
 */
export function createHttpApi(options: HttpApiOptions): HttpApi {
  const runner = "runner" in options ? options.runner : createRunner(options);
  const host = runnerHost(runner);
  const logger = options.logger ?? defaultLogger;
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;
  const running = new Set<Promise<void>>();
  const runInBackground = (threadId: string) => {
    const done = host.run(threadId).then(
      () => {},
      (error: unknown) => logger.error("a step run by the HTTP API failed", { threadId, error }),
    );
    running.add(done);
    void done.finally(() => running.delete(done));
  };
  const deps = {
    ...host.deps,
    queue: {
      async enqueue(message: StepMessage) {
        await host.deps.queue.enqueue(message);
        runInBackground(message.threadId);
      },
    },
  };
  let handler: ReturnType<typeof createApiHandler> | undefined;
  const ready = async () => {
    handler ??= createApiHandler(deps, {
      ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}),
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      maxBodyBytes,
      logger,
      ...(options.console ? { console: await loadConsole(options.console) } : {}),
    });
    return handler;
  };
  return {
    runner,
    async fetch(request) {
      const event = await requestToEvent(request);
      if (!event) {
        return Response.json(
          { error: { code: "payload_too_large", message: "body over 10 MB" } },
          { status: 413 },
        );
      }
      // No sweep runs in process: as the runner does on its next touch of a thread, a request on a
      // thread (a `/threads/{id}` route, or an MCP thread tool's call) first rejects an approval
      // past its tool's `approvalTimeoutMs`.
      const id = threadOfRequest(event, maxBodyBytes);
      if (id) {
        await expireIfDue(deps, id, EXPIRY).catch((error: unknown) => {
          // The route reads the same thread next, and answers for the store's failure.
          logger.warn("could not check the thread's approval timeout", { threadId: id, error });
        });
      }
      return resultToResponse(await (await ready())(event), request.method);
    },
    async idle() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
