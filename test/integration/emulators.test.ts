import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";

const local = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
};

describe("the emulators started by global setup", () => {
  it("answer the real AWS SDK clients", async () => {
    const dynamo = new DynamoDBClient({ ...local, endpoint: inject("dynamoEndpoint") });
    const sqs = new SQSClient({ ...local, endpoint: inject("sqsEndpoint") });
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toBeInstanceOf(Array);
    expect(await sqs.send(new ListQueuesCommand({}))).toBeDefined();
  });
});
