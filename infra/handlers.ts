import { fileURLToPath } from "node:url";

/** The repository root: bundles are built from here, with its lockfile. */
export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * The Lambda entry points, relative to the repository root. The api, worker and trigger handlers
 * are thin wrappers over the factories the local stack runs (`functions/<name>/app.ts`), so AWS
 * and `npm start` run the same code.
 */
export const handlerEntries = {
  api: "functions/api/handler.ts",
  worker: "functions/worker/handler.ts",
  trigger: "functions/trigger/handler.ts",
  reconciler: "functions/reconciler/handler.ts",
  authorizer: "functions/authorizer/handler.ts",
} as const;

export type HandlerName = keyof typeof handlerEntries;
