import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from "aws-lambda";
import { IncompleteSqsMessageError } from "./errors.ts";

/** Carried when SQS sets them: FIFO fields, X-Ray trace, redrive source. */
const OPTIONAL = [
  "SequenceNumber",
  "MessageGroupId",
  "MessageDeduplicationId",
  "AWSTraceHeader",
  "DeadLetterQueueSourceArn",
] as const;

/**
 * Maps a message received through the SDK (with `MessageSystemAttributeNames: ["All"]`) to the
 * record Lambda's SQS event source mapping delivers, so the local stack hands handlers the exact
 * event they get in AWS. Throws `IncompleteSqsMessageError` when a field the record needs is
 * missing.
 *
 * @example
 * const messages = await receiveStepMessages(client, queueUrl, { max: 10, waitSeconds: 20 });
 * const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, queueArn, "us-east-1")) };
 */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const missing: string[] = [];
  const need = (value: string | undefined, name: string): string => {
    if (value === undefined) missing.push(name);
    return value ?? "";
  };
  const messageId = need(message.MessageId, "MessageId");
  const receiptHandle = need(message.ReceiptHandle, "ReceiptHandle");
  const body = need(message.Body, "Body");
  const md5OfBody = need(message.MD5OfBody, "MD5OfBody");
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: need(system.ApproximateReceiveCount, "ApproximateReceiveCount"),
    SentTimestamp: need(system.SentTimestamp, "SentTimestamp"),
    SenderId: need(system.SenderId, "SenderId"),
    ApproximateFirstReceiveTimestamp: need(
      system.ApproximateFirstReceiveTimestamp,
      "ApproximateFirstReceiveTimestamp",
    ),
  };
  if (missing.length > 0) throw new IncompleteSqsMessageError(message.MessageId, missing);
  for (const key of OPTIONAL) {
    const value = system[key];
    if (value !== undefined) attributes[key] = value;
  }
  const record: SQSRecord = {
    messageId,
    receiptHandle,
    body,
    attributes,
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        toRecordAttribute(value),
      ]),
    ),
    md5OfBody,
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes !== undefined) {
    record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  }
  return record;
}

/** Lambda spells attribute fields in camelCase, base64-encodes binaries and always has the lists. */
function toRecordAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  const attribute: SQSMessageAttribute = {
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
    dataType: value.DataType ?? "String",
  };
  if (value.StringValue !== undefined) attribute.stringValue = value.StringValue;
  if (value.BinaryValue !== undefined) attribute.binaryValue = base64(value.BinaryValue);
  return attribute;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
