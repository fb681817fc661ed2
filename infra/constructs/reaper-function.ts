import { Duration, Validations } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FilterCriteria, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { ttlMetaRemovalPattern } from "../../shared/aws/dynamo/ttl-removal.ts";
import type { MakeFunction } from "./function-factory.ts";
import type { PayloadBucket } from "./payload-bucket.ts";

/**
 * The reaper (`Reaper`): TTL removes an expired thread's meta item alone (its last event +
 * retention; event items carry no `expiresAt`), and the table's stream, filtered to those
 * removals, hands it to this function, which deletes the rest of the thread. It may query and
 * delete items of the table and list and delete the thread's objects in the payload bucket,
 * nothing else; records it could not handle go to a dead-letter queue (`UnreapedThreads`) after
 * 10 tries.
 *
 * @example
 * const { reaper, unreaped } = reaperFunction(this, make, table, payloads);
 */
export function reaperFunction(
  scope: Construct,
  make: MakeFunction,
  table: Table,
  payloads: PayloadBucket,
): { reaper: NodejsFunction; unreaped: Queue } {
  const reaper = make("Reaper", "reaper", {
    description: "Deletes the rest of a thread once TTL has removed its meta item",
    environment: { TABLE_NAME: table.tableName },
  });
  reaper.addToRolePolicy(
    new PolicyStatement({
      actions: ["dynamodb:Query", "dynamodb:DeleteItem"],
      resources: [table.tableArn],
    }),
  );
  payloads.grantDelete(reaper);
  const unreaped = new Queue(scope, "UnreapedThreads", {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(unreaped).acknowledge({
    id: "AwsSolutions-SQS3",
    reason: "The on-failure destination of the reaper's stream mapping: what it could not delete.",
  });
  // The event source grants the stream's reads on its ARN, and dynamodb:ListStreams on `*`.
  Validations.of(reaper.role ?? reaper).acknowledge({
    id: "AwsSolutions-IAM5[Resource::*]",
    reason:
      "dynamodb:ListStreams, which the stream's event source mapping needs, has no resource-level permissions.",
  });
  reaper.addEventSource(
    new DynamoEventSource(table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      bisectBatchOnError: true,
      retryAttempts: 10,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(unreaped),
      filters: [FilterCriteria.filter(ttlMetaRemovalPattern)],
    }),
  );
  return { reaper, unreaped };
}
