import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: pick-then-release, so something else may
 * take it before it is used. Only for starting `twelve dev`, which takes fixed ports (PORT,
 * DYNAMODB_PORT, SQS_PORT), as a child process in tests; servers started in-process listen on
 * port 0 and report the port they got (`startLocalStack`, `startDynamoDbLocal`,
 * `startSqsEmulator`, `startEventBridgeServer`).
 */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}
