import type { TestProject } from "vitest/node";
import { startDynamoDbLocal, startSqsEmulator } from "../../infra/local/emulators.ts";
import { freePort } from "../../infra/local/ports.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}

/** Starts DynamoDB Local and fauxqs once for the integration suite; stops them after. */
export default async function setup(project: TestProject) {
  const [dynamo, sqs] = await Promise.all([
    freePort().then((port) => startDynamoDbLocal({ port })),
    freePort().then((port) => startSqsEmulator({ port })),
  ]);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), sqs.stop()]);
  };
}
