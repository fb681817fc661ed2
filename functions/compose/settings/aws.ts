/** The AWS services the ports call, for a client's `endpoint`. */
export const awsServices = ["dynamodb", "sqs", "s3", "eventbridge"] as const;
export type AwsService = (typeof awsServices)[number];

/**
 * How the ports reach AWS. Deployed, empty: the SDK reads the region and the credentials of the
 * function's role itself. `twelve dev` names the emulators here rather than in `process.env`.
 */
export interface AwsSettings {
  region?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** An endpoint per service (DynamoDB Local, fauxqs, the local EventBridge). */
  endpoints?: Partial<Record<AwsService, string>> | undefined;
}

/**
 * A client's configuration for `service`: only what the settings name, so the SDK's own
 * defaults (`AWS_REGION`, `AWS_ENDPOINT_URL_SQS`, the role's credentials) apply to the rest.
 *
 * @example
 * new SQSClient(clientConfig(settings.aws, "sqs"));
 */
export function clientConfig(
  aws: AwsSettings,
  service: AwsService,
): { region?: string; credentials?: AwsSettings["credentials"]; endpoint?: string } {
  const endpoint = aws.endpoints?.[service];
  return {
    ...(aws.region ? { region: aws.region } : {}),
    ...(aws.credentials ? { credentials: aws.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}
