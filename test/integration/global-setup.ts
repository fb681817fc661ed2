import type { TestProject } from "vitest/node";
import { startDynamoDbLocal, startSqsEmulator } from "../../infra/local/emulators.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}

/**
 * Starts DynamoDB Local and fauxqs once for the integration tier, each on a port the OS picks;
 * every test (and every test stack: `startTestStack`) uses these two, through `inject`. Stops
 * them after.
 */
export default async function setup(project: TestProject) {
  const [dynamo, sqs] = await Promise.all([
    startDynamoDbLocal({ port: 0 }),
    startSqsEmulator({ port: 0 }),
  ]);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), sqs.stop()]);
  };
}
