import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ReplayGuard } from "../../core/ports.ts";

/**
 * Webhook replay protection in the thread table: one item per seen delivery, written with
 * `attribute_not_exists` (or the same owner's), expiring by TTL once the signature's time window
 * has passed.
 */
export class DynamoReplayGuard implements ReplayGuard {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;

  constructor(options: { tableName: string; client?: DynamoDBDocumentClient }) {
    this.tableName = options.tableName;
    this.client = options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}));
  }

  async claim(key: string, expiresAt: Date, owner?: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `WEBHOOK#${key}`,
            sk: "WEBHOOK",
            expiresAt: Math.ceil(expiresAt.getTime() / 1000),
            ...(owner === undefined ? {} : { owner }),
          },
          // A claim by the same owner (a redelivery) is let through, and starts a new window.
          ...(owner === undefined
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : {
                ConditionExpression: "attribute_not_exists(pk) OR #owner = :owner",
                ExpressionAttributeNames: { "#owner": "owner" },
                ExpressionAttributeValues: { ":owner": owner },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(key: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: `WEBHOOK#${key}`, sk: "WEBHOOK" },
      }),
    );
  }
}
