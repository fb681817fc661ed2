import { S3Client } from "@aws-sdk/client-s3";
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal, startSqsEmulator } from "../../infra/local/emulators.ts";
import { ensureBucket } from "../../shared/aws/s3/payload-store.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    /** fauxqs: SQS, and S3 on the same endpoint (path-style). */
    sqsEndpoint: string;
    /** A bucket on fauxqs's S3 for stores the tests build themselves (keys hold the thread id). */
    payloadBucket: string;
  }
}

/** The bucket the tier's own stores share; each test stack makes its own (`startTestStack`). */
const PAYLOAD_BUCKET = "twelve-test-payloads";

/**
 * Starts DynamoDB Local and fauxqs once for the integration tier, each on a port the OS picks,
 * and makes a payload bucket on fauxqs's S3; every test (and every test stack:
 * `startTestStack`) uses these, through `inject`. Stops them after.
 */
export default async function setup(project: TestProject) {
  const [dynamo, sqs] = await Promise.all([
    startDynamoDbLocal({ port: 0 }),
    startSqsEmulator({ port: 0 }),
  ]);
  const s3 = new S3Client({
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    endpoint: sqs.endpoint,
    forcePathStyle: true,
  });
  await ensureBucket(s3, PAYLOAD_BUCKET);
  s3.destroy();
  project.provide("dynamoEndpoint", dynamo.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  project.provide("payloadBucket", PAYLOAD_BUCKET);
  return async () => {
    await Promise.all([dynamo.stop(), sqs.stop()]);
  };
}
