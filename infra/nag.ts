import { Stack, Validations } from "aws-cdk-lib";
import type { CfnTable, Table } from "aws-cdk-lib/aws-dynamodb";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { Bucket, CfnBucket } from "aws-cdk-lib/aws-s3";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";

/**
 * The cdk-nag (AwsSolutions) findings this app accepts, each on the one construct it concerns,
 * with the reason. Anything else fails `cdk synth` and the infra tests.
 */

/**
 * `grantReadData`/`grantReadWriteData` cover the table's indexes as `<table>/index/*`: the
 * listing queries read `byStatus` and `byAgent`, and the wildcard never leaves this table.
 */
export function acknowledgeIndexAccess(grantee: IFunction, table: Table): void {
  const cfnTable = table.node.defaultChild as CfnTable;
  const logicalId = Stack.of(table).getLogicalId(cfnTable);
  // On the role: its default policy holds the statement.
  Validations.of(grantee.role ?? grantee).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
    reason: "Only this table's own GSIs (byStatus, byAgent), which the thread listing queries.",
  });
}

/** A secret whose value is issued outside AWS, so Secrets Manager has no way to rotate it. */
export function acknowledgeManualRotation(secret: ISecret, reason: string): void {
  Validations.of(secret).acknowledge({ id: "AwsSolutions-SMG4", reason });
}

/**
 * Active tracing gives the role `xray:PutTraceSegments` and `xray:PutTelemetryRecords` on `*`:
 * those actions take no resource (X-Ray has no resource-level permission for them).
 */
export function acknowledgeTracing(fn: IFunction): void {
  Validations.of(fn.role ?? fn).acknowledge({
    id: "AwsSolutions-IAM5[Resource::*]",
    reason: "Active X-Ray tracing: PutTraceSegments and PutTelemetryRecords take no resource.",
  });
}

/**
 * The payload bucket's grants name its objects as `<bucket>/threads/*`: one prefix of one bucket,
 * where the store keys one object per large event (`threads/<id>/…`).
 */
export function acknowledgePayloadAccess(grantee: IFunction, bucket: Bucket, prefix: string): void {
  const cfnBucket = bucket.node.defaultChild as CfnBucket;
  const logicalId = Stack.of(bucket).getLogicalId(cfnBucket);
  Validations.of(grantee.role ?? grantee).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
    reason:
      "The payload bucket's objects under its one prefix (one object per large event, keyed by the store per thread): nothing outside this bucket.",
  });
}
