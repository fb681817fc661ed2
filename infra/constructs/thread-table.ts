import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { threadIndexes, threadTable } from "../../shared/aws/dynamo/table.ts";

export interface ThreadTableProps {
  /** RETAIN (the default deployment) keeps the threads, and protects the table from deletion. */
  removalPolicy: RemovalPolicy;
}

/**
 * The thread table, laid out by the same constants `ensureTable` uses on the local stack: keys,
 * the `byStatus` and `byAgent` indexes, TTL on `expiresAt`. On-demand, point-in-time recovery,
 * encrypted with the AWS managed key. Its stream (keys only: the reaper needs no more than which
 * thread TTL removed) carries TTL's removals of meta items to the reaper.
 *
 * @example
 * const threads = new ThreadTable(this, "Threads", { removalPolicy: RemovalPolicy.RETAIN });
 * threads.table.grantReadWriteData(fn);
 */
export class ThreadTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ThreadTableProps) {
    super(scope, id);
    this.table = new Table(this, "Table", {
      partitionKey: { name: threadTable.partitionKey, type: AttributeType.STRING },
      sortKey: { name: threadTable.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: threadTable.ttlAttribute,
      stream: StreamViewType.KEYS_ONLY,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
    });
    for (const index of threadIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.nonKeyAttributes],
      });
    }
  }
}
