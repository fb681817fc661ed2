import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgePayloadAccess } from "../nag.ts";

/** Where the store keeps objects: one prefix per thread (`payloadPrefix`), all under this. */
const OBJECTS = "threads/";

/** The default backstop: objects older than this are expired whatever holds them (10 years). */
export const DEFAULT_PAYLOAD_BACKSTOP_DAYS = 3650;

export interface PayloadBucketProps {
  /**
   * Days after which S3 expires an object whatever holds it: a backstop for orphans (the object
   * of an append that lost its race, of a create that crashed), never the way threads go (their
   * delete and the reaper remove their objects with them). Keep it far longer than a thread
   * lives: retention counts from a thread's last event, so a thread that keeps going keeps its
   * first objects. Default 3650 (10 years).
   */
  backstopDays?: number;
}

/**
 * The S3 bucket for event data too large for a DynamoDB item (over 32 KB, see
 * `shared/aws/dynamo/payloads.ts`): S3-managed encryption, all public access blocked, ACLs off,
 * TLS 1.2 or later only, no versioning (a key holds the data's hash, so an object is written once
 * and never changed; a deleted thread's data must be gone, not kept as a noncurrent version).
 * Its lifecycle aborts incomplete multipart uploads after a day and expires objects after the
 * backstop; nothing else ages out, since a thread's objects must live as long as the thread.
 * Retained when the stack is deleted, and never emptied by CloudFormation (no auto-delete): it
 * holds users' data. Access is per function and per need (`grantReadWrite`, `grantDelete`), on
 * the objects under `threads/` alone, and each grant sets `PAYLOAD_BUCKET`.
 *
 * @example
 * const payloads = new PayloadBucket(this, "Payloads", {});
 * payloads.grantReadWrite(worker);
 */
export class PayloadBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: PayloadBucketProps = {}) {
    super(scope, id);
    const backstopDays = props.backstopDays ?? DEFAULT_PAYLOAD_BACKSTOP_DAYS;
    this.bucket = new Bucket(this, "Bucket", {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      autoDeleteObjects: false,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: "backstop", prefix: OBJECTS, expiration: Duration.days(backstopDays) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "Only the runtime's own functions read and write it, with their roles; who did what is in CloudTrail (data events can be turned on), and access logs would be one more bucket of users' data to keep.",
    });
  }

  /** Lets `fn` read and write the objects (no delete), and sets its `PAYLOAD_BUCKET`. */
  grantReadWrite(fn: LambdaFunction): void {
    this.grant(fn, ["s3:GetObject", "s3:PutObject"]);
  }

  /** Lets `fn` read the objects, and sets its `PAYLOAD_BUCKET`. */
  grantRead(fn: LambdaFunction): void {
    this.grant(fn, ["s3:GetObject"]);
  }

  /**
   * Lets `fn` list a thread's objects and delete them (what `delete` does), and sets its
   * `PAYLOAD_BUCKET`.
   */
  grantDelete(fn: LambdaFunction): void {
    this.grant(fn, ["s3:DeleteObject"]);
    this.statement(
      fn,
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["s3:ListBucket"],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${OBJECTS}*`] } },
      }),
    );
  }

  private grant(fn: LambdaFunction, actions: string[]): void {
    this.statement(
      fn,
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions,
        resources: [this.bucket.arnForObjects(`${OBJECTS}*`)],
      }),
    );
  }

  private statement(fn: LambdaFunction, statement: PolicyStatement): void {
    fn.addToRolePolicy(statement);
    fn.addEnvironment("PAYLOAD_BUCKET", this.bucket.bucketName);
    acknowledgePayloadAccess(fn, this.bucket, OBJECTS);
  }
}
