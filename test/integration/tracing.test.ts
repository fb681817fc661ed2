import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { createServer, type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { OpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import {
  type EventBridgeServer,
  startEventBridgeServer,
} from "../../infra/local/eventbridge-server.ts";
import { ensureTable } from "../../shared/aws/dynamo/index.ts";
import {
  deleteStepMessage,
  ensureStepQueues,
  receiveStepMessages,
} from "../../shared/aws/sqs/queues.ts";
import { toSqsRecord } from "../../shared/aws/sqs/sqs-event.ts";
import { agentTool, defineAgent, doneForNow } from "../../shared/core/index.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { OpenAIModel } from "../../shared/llm/openai-model.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";
import { type ChatServer, startChatServer } from "../llm/chat-server.ts";
import { toolCallCompletion } from "../llm/completions.ts";
import { ruleModel } from "../support/sub-agent-fixtures.ts";

/** A segment document as the X-Ray SDK sends it to the daemon (the fields read here). */
interface SegmentDoc {
  id: string;
  name: string;
  trace_id: string;
  parent_id?: string;
  type?: string;
  start_time: number;
  end_time?: number;
  fault?: boolean;
  annotations?: Record<string, string | number | boolean>;
  metadata?: Record<string, Record<string, unknown>>;
}

/**
 * A stand-in for the X-Ray daemon at the wire: a UDP socket on 127.0.0.1 that keeps every
 * segment document it receives (`{"format":"json","version":1}` header line, then the document).
 */
async function startDaemon(): Promise<{ socket: Socket; address: string; docs: SegmentDoc[] }> {
  const socket = createSocket("udp4");
  const docs: SegmentDoc[] = [];
  socket.on("message", (packet) => {
    const [header, body] = packet.toString("utf8").split("\n");
    if (header && body && JSON.parse(header).format === "json") docs.push(JSON.parse(body));
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address() as AddressInfo;
  return { socket, address: `127.0.0.1:${port}`, docs };
}

/**
 * A pass-through in front of the SQS emulator that keeps the headers of every request, so a test
 * sees what reached SQS at the wire (the emulator does not turn `X-Amzn-Trace-Id` into
 * `AWSTraceHeader` as SQS does).
 */
async function startSqsTap(target: string) {
  const seen: { target: string; headers: IncomingHttpHeaders }[] = [];
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    seen.push({
      target: String(incoming.headers["x-amz-target"] ?? ""),
      headers: incoming.headers,
    });
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
/** What Lambda sets per invocation when the function's tracing is active. */
const traceHeader = () => {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(12)}`;
  return { root, header: `Root=${root};Parent=${hex(8)};Sampled=1` };
};

function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "twelve-worker-test",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:twelve-worker-test",
    memoryLimitInMB: "512",
    awsRequestId: requestId,
    logGroupName: "test",
    logStreamName: "test",
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

const REGION = "us-east-1";

describe("The Lambda worker's traces and metrics, at the wire", () => {
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  let chat: ChatServer;
  let bus: EventBridgeServer;
  let sqs: SQSClient;
  let queue: { queueUrl: string; queueArn: string };

  beforeAll(async () => {
    daemon = await startDaemon();
    chat = await startChatServer();
    bus = await startEventBridgeServer();
    const suffix = hex(6);
    // The X-Ray SDK and Tracer read these when they load: what the Lambda runtime sets.
    const env: Record<string, string> = {
      AWS_XRAY_DAEMON_ADDRESS: daemon.address,
      LAMBDA_TASK_ROOT: "/var/task",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
      AWS_LAMBDA_FUNCTION_NAME: "twelve-worker-test",
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      _HANDLER: "index.handler",
      POWERTOOLS_SERVICE_NAME: "twelve-worker",
      POWERTOOLS_METRICS_NAMESPACE: "TwelveTest",
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_DYNAMODB: inject("dynamoEndpoint"),
      AWS_ENDPOINT_URL_SQS: inject("sqsEndpoint"),
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      TABLE_NAME: `twelve-threads-${suffix}`,
      EVENT_BUS_NAME: "twelve-agents",
      PUBLIC_URL: "http://127.0.0.1:1",
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    await ensureTable(new DynamoDBClient({}), env.TABLE_NAME as string);
    sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    queue = await ensureStepQueues(sqs, {
      name: `twelve-steps-${suffix}`,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 5,
    });
    vi.stubEnv("STEP_QUEUE_URL", queue.queueUrl);
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    daemon?.socket.close();
    await chat?.close();
    await bus?.stop();
  });

  it("sends a step subsegment per step, with the model call and the tool run as children, and EMF per invocation", async () => {
    // Prepare: the handler Lambda runs, loaded only now (the SDK reads its environment on load)
    const { workerHandler } = await import("../../functions/handlers/worker.ts");
    const { assemble } = await import("../../functions/compose/root.ts");
    const { readSettings } = await import("../../functions/compose/read-settings.ts");
    const { launchThread } = await import("../../shared/runtime/launch-thread.ts");
    const model = new OpenAIModel({
      model: "gpt-4o-mini",
      client: new OpenAI({ apiKey: "test", baseURL: chat.baseURL, maxRetries: 0 }),
    });
    const handler = workerHandler({ agents: [calculator], model });
    const deps = assemble(readSettings(process.env), { agents: [calculator], model }).deps();
    chat.enqueue(
      { status: 200, body: toolCallCompletion([["add", '{"a":3,"b":4}']]) },
      { status: 200, body: toolCallCompletion([["done_for_now", '{"message":"7"}']]) },
    );
    const { threadId } = await launchThread(deps, { agent: "calculator", message: "3 + 4?" });

    // Act: invocations as the event source mapping makes them, until the thread is done
    const roots: string[] = [];
    const emf: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      emf.push(String(chunk));
      return true;
    });
    try {
      for (let round = 0; round < 10 && roots.length < 2; round++) {
        const messages = await receiveStepMessages(sqs, queue.queueUrl, { waitSeconds: 1 });
        if (messages.length === 0) continue;
        const trace = traceHeader();
        process.env._X_AMZN_TRACE_ID = trace.header;
        roots.push(trace.root);
        const event: SQSEvent = {
          Records: messages.map((m) => toSqsRecord(m, queue.queueArn, REGION)),
        };
        const result: SQSBatchResponse = await handler(event, lambdaContext(`req-${round}`));
        expect(result.batchItemFailures).toEqual([]);
        for (const record of event.Records) {
          await deleteStepMessage(sqs, queue.queueUrl, record.receiptHandle);
        }
      }
    } finally {
      write.mockRestore();
    }
    expect((await deps.store.load(threadId))?.events.at(-1)?.type).toBe("done");
    // UDP is sent as each subsegment closes; give the datagrams a moment to land.
    const named = (name: string) => daemon.docs.filter((doc) => doc.name === name);
    for (let i = 0; i < 50 && named("step").length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));

    // Assess: one handler subsegment per invocation, in that invocation's trace
    const handlers = roots.map((root) =>
      named("## index.handler").filter((doc) => doc.trace_id === root),
    );
    expect(handlers.map((ofTrace) => ofTrace.length)).toEqual([1, 1]);
    expect(handlers.map(([doc]) => doc?.annotations)).toEqual([
      { ColdStart: true, Service: "twelve-worker" },
      { ColdStart: false, Service: "twelve-worker" },
    ]);
    const steps = named("step").sort((a, b) => a.start_time - b.start_time);
    expect(steps).toHaveLength(2);
    const [saved, ran] = steps as [SegmentDoc, SegmentDoc];
    for (const [index, step] of steps.entries()) {
      expect(step.type).toBe("subsegment");
      expect(step.trace_id).toBe(roots[index]);
      expect(step.parent_id).toBe(handlers[index]?.[0]?.id);
      expect(step.end_time).toBeGreaterThanOrEqual(step.start_time);
    }
    expect(saved.annotations).toEqual({
      gen_ai_agent_name: "calculator",
      gen_ai_conversation_id: threadId,
      twelve_thread_version: 1,
      twelve_root_thread_id: threadId,
      gen_ai_request_model: "gpt-4o-mini",
      gen_ai_usage_input_tokens: 42,
      gen_ai_usage_output_tokens: 7,
      gen_ai_tool_name: "add",
      twelve_step_outcome: "stepped",
    });
    expect(ran.annotations).toMatchObject({
      twelve_thread_version: 2,
      gen_ai_tool_name: "done_for_now",
      twelve_step_outcome: "stepped",
    });
    // The dotted names are kept as metadata.
    expect(ran.metadata?.twelve).toMatchObject({
      "gen_ai.agent.name": "calculator",
      "gen_ai.usage.input_tokens": 42,
    });
    // Children: each step's model call; the second step's run of add before it.
    const chats = named("chat gpt-4o-mini");
    expect(chats.map((doc) => doc.parent_id).sort()).toEqual([saved.id, ran.id].sort());
    expect(chats[0]?.metadata?.twelve).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.usage.input_tokens": 42,
      "gen_ai.usage.output_tokens": 7,
    });
    const tools = named("execute_tool add");
    expect(tools).toHaveLength(1);
    expect(tools[0]?.parent_id).toBe(ran.id);
    expect(tools[0]?.metadata?.twelve).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "add",
    });
    // Every span had left before its invocation returned: none arrived still open.
    expect(daemon.docs.filter((doc) => doc.end_time === undefined)).toEqual([]);

    // And each invocation published its step on stdout as EMF.
    const docs = emf
      .flatMap((chunk) => chunk.split("\n"))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line));
    const perAgent = docs.filter((doc) => doc.outcome === undefined);
    expect(perAgent).toHaveLength(2);
    for (const doc of perAgent) {
      expect(doc).toMatchObject({
        service: "twelve-worker",
        agent: "calculator",
        Steps: 1,
        InputTokens: 42,
        OutputTokens: 7,
        Errors: 0,
      });
      expect(doc._aws.CloudWatchMetrics[0].Namespace).toBe("TwelveTest");
    }
  });

  it("links a child's steps to the parent's: the launching step's send carries its trace, the child's steps name it", async () => {
    // Prepare: a lead whose researcher is a child thread
    const { workerHandler } = await import("../../functions/handlers/worker.ts");
    const { assemble } = await import("../../functions/compose/root.ts");
    const { readSettings } = await import("../../functions/compose/read-settings.ts");
    const { launchThread } = await import("../../shared/runtime/launch-thread.ts");
    const researcher = defineAgent({
      name: "researcher",
      prompt: "Research.",
      tools: [doneForNow],
      model: new ScriptedModel([call("done_for_now", { message: "X is 42" })]),
    });
    const lead = defineAgent({
      name: "lead",
      prompt: "Delegate.",
      tools: [agentTool(researcher), doneForNow],
      model: ruleModel((context) =>
        context.includes("<researcher_result>")
          ? { tool: "done_for_now", args: { message: "X is 42" } }
          : { tool: "researcher", args: { message: "find X" } },
      ),
    });
    // The worker's SQS requests pass a tap (its root reads the endpoint at its first invocation).
    const tap = await startSqsTap(inject("sqsEndpoint"));
    vi.stubEnv("AWS_ENDPOINT_URL_SQS", tap.endpoint);
    const handler = workerHandler({ agents: [lead] });
    const deps = assemble(readSettings(process.env), { agents: [lead] }).deps();
    const { threadId } = await launchThread(deps, { agent: "lead", message: "What is X?" });

    // Act: invocations until the lead is done; each its own trace, as Lambda gives them
    const traceOf = new Map<string, string[]>();
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      for (let round = 0; round < 12; round++) {
        const messages = await receiveStepMessages(sqs, queue.queueUrl, { waitSeconds: 1 });
        if (messages.length === 0) continue;
        const trace = traceHeader();
        process.env._X_AMZN_TRACE_ID = trace.header;
        const event: SQSEvent = {
          Records: messages.map((m) => toSqsRecord(m, queue.queueArn, REGION)),
        };
        for (const record of event.Records) {
          const stepped = JSON.parse(record.body).threadId as string;
          traceOf.set(stepped, [...(traceOf.get(stepped) ?? []), trace.root]);
        }
        const result = await handler(event, lambdaContext(`child-${round}`));
        expect(result.batchItemFailures).toEqual([]);
        for (const record of event.Records) {
          await deleteStepMessage(sqs, queue.queueUrl, record.receiptHandle);
        }
        if ((await deps.store.load(threadId))?.events.at(-1)?.type === "done") break;
      }
    } finally {
      write.mockRestore();
      tap.close();
    }
    expect((await deps.store.load(threadId))?.events.at(-1)?.type).toBe("done");
    const [launching] = traceOf.get(threadId) ?? [];
    const childId = [...traceOf.keys()].find((id) => id !== threadId) as string;
    const childRoots = traceOf.get(childId) ?? [];
    const steps = () => daemon.docs.filter((doc) => doc.name === "step");
    const childSteps = () =>
      steps().filter((doc) => doc.annotations?.gen_ai_conversation_id === childId);
    for (let i = 0; i < 50 && childSteps().length < childRoots.length; i++)
      await new Promise((r) => setTimeout(r, 20));

    // Assess: the child records the trace of the step that launched it...
    expect(launching).toBeDefined();
    const child = await deps.store.load(childId);
    expect(child?.events[0]?.data).toMatchObject({ parent: { threadId, traceId: launching } });
    // ...its steps, in their own traces, carry it as an annotation...
    expect(childSteps()).toHaveLength(1);
    for (const step of childSteps()) {
      expect(childRoots).toContain(step.trace_id);
      expect(step.annotations).toMatchObject({
        twelve_parent_thread_id: threadId,
        twelve_root_thread_id: threadId,
        twelve_parent_trace_id: launching,
      });
    }
    // ...and the launching step sent the child's message through a traced client: an SQS
    // subsegment of that step, whose trace header (SQS keeps it as the message's AWSTraceHeader)
    // names the launching trace.
    const launchingStep = steps().find(
      (doc) => doc.trace_id === launching && doc.annotations?.gen_ai_conversation_id === threadId,
    );
    const sends = daemon.docs.filter(
      (doc) => doc.name === "SQS" && doc.parent_id === launchingStep?.id,
    );
    expect(sends).toHaveLength(1);
    expect(sends[0]?.trace_id).toBe(launching);
    const sent = tap.seen.filter(({ target }) => target.endsWith("SendMessage"));
    expect(sent.map(({ headers }) => headers["x-amzn-trace-id"])).toContainEqual(
      expect.stringContaining(`Root=${launching};Parent=${sends[0]?.id}`),
    );
  });
});
