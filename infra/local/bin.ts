#!/usr/bin/env node
import { importWithPeers } from "../../shared/config/peers.ts";
import { ConfigError } from "../../shared/core/errors.ts";

/**
 * The `twelve` command. It loads the CLI only once the local stack's optional peers (DynamoDB
 * Local, fauxqs, esbuild, the AWS SDK clients...) resolve: without them it prints one line naming
 * the `npm install` command, instead of Node's trace of the first package it could not find.
 */
try {
  // `twelve eval` replays in process: it needs none of the local stack's peers.
  if (process.argv[2] === "eval") {
    const { evalCommand } = await import("./eval-cli.ts");
    process.exitCode = await evalCommand(process.argv.slice(3));
  } else await importWithPeers("twelve dev", () => import("./cli.ts"));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`twelve: ${error.message}`);
  process.exitCode = 1;
}
