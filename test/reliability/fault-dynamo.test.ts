import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startDynamoDbLocal } from "../../infra/local/emulators.ts";
import { freePort } from "../../infra/local/ports.ts";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { StepQueue } from "../../shared/core/ports.ts";
import { renderContext } from "../../shared/core/render.ts";
import { headAfter, step } from "../../shared/core/step.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { createDeploybot } from "../../shared/examples/agents.ts";
import { call, ScriptedModel } from "../../shared/testing/scripted-model.ts";
import { CrashSchedule, crashPoints } from "../fault-kit/fault-injection.ts";
import { VirtualClock } from "../fault-kit/virtual-clock.ts";
import { runs } from "./support/budget.ts";
import { checkMessageRun, checkRun, tally } from "./support/invariants.ts";
import { standardScenarios } from "./support/scenarios.ts";
import { type SimulationResult, simulate, spareLastChances } from "./support/simulation.ts";

/**
 * The same harness on the real thread store: DynamoDB Local, conditional TransactWriteItems and
 * all. The queue stays simulated (crashes and redeliveries need the virtual clock), so this checks
 * that the DynamoDB adapter keeps the protocol's promises under crashes, duplicates and races.
 *
 * The calculator scenarios only: a deploy bot thread read back from DynamoDB renders its tags
 * with the keys in another order (see the known bug below), and the demo model, which reads the
 * first key, then asks for a tag forever.
 */
const scenarios = standardScenarios.filter((s) => s.agent === "calculator");
let dynamo: Emulator;
let store: DynamoThreadStore;
let clean: SimulationResult;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ port: await freePort() });
  const base = new DynamoDBClient({
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    endpoint: dynamo.endpoint,
  });
  const tableName = `reliability-${randomUUID()}`;
  await ensureTable(base, tableName);
  store = new DynamoThreadStore({ tableName, client: DynamoDBDocumentClient.from(base) });
  clean = await simulate({
    scenarios,
    seed: 1,
    store,
    idPrefix: "clean_",
    clockStart: Date.now(),
  });
  expect(clean.problems).toEqual([]);
});

afterAll(async () => {
  await dynamo?.stop();
});

describe("fault injection against DynamoDB Local", () => {
  it("keeps every invariant with crashes at every point, duplicate deliveries and double clicks", async () => {
    const totals = { runs: 0, crashes: {} as Record<string, number>, outcomes: {} };
    const seeds = Math.min(runs(5), 50);
    for (let seed = 0; seed < seeds; seed++) {
      // Prepare: a few crashes of each kind, spread over the run
      const at = Array.from({ length: 10 }, (_, i) => (seed * 17 + i * 11) % 120);
      const plan = new CrashSchedule({ points: crashPoints, at, spare: spareLastChances });

      // Act
      const run = await simulate({
        scenarios,
        seed,
        plan,
        store,
        idPrefix: `s${seed}_${randomUUID().slice(0, 8)}_`,
        clockStart: Date.now(),
        duplicateDelivery: 0.2,
        doubleClick: 0.2,
        reconcilerRace: 0.05,
      });

      // Assess
      totals.runs++;
      tally(totals.crashes, run.crashes);
      tally(totals.outcomes, run.outcomes);
      expect(checkRun(run, clean), `seed ${seed}, crashes ${JSON.stringify(plan.fired)}`).toEqual(
        [],
      );
    }
    expect(Object.values(totals.crashes).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    console.info(`DynamoDB Local: ${JSON.stringify(totals)}`);
  });
});

describe("queued messages against DynamoDB Local", () => {
  it("keeps each accepted message once through crashes, cancels and a queue that loses messages", async () => {
    let queued = 0;
    const seeds = Math.min(runs(5), 50);
    for (let seed = 0; seed < seeds; seed++) {
      // Prepare: messages queue behind steps in flight (kept in the meta item) while workers
      // crash, people cancel, and the step queue drops what older versions sent beside a step
      const at = Array.from({ length: 6 }, (_, i) => (seed * 13 + i * 17) % 120);
      const plan = new CrashSchedule({ points: crashPoints, at, spare: spareLastChances });
      const dropsQueued = (queue: StepQueue): StepQueue => ({
        enqueue: async (message) => (message.queued ? undefined : queue.enqueue(message)),
      });

      // Act
      const run = await simulate({
        scenarios,
        seed,
        plan,
        store,
        idPrefix: `q${seed}_${randomUUID().slice(0, 8)}_`,
        clockStart: Date.now(),
        messageRace: 0.4,
        cancelRace: 0.03,
        ifRunning: "enqueue",
        duplicateDelivery: 0.2,
        answerNow: 0.8,
        reconcilerRace: 0.05,
        mutate: { queue: dropsQueued },
      });

      // Assess (a tool a cancel overtook is fault-cancel's concern, not this one's)
      const broken = checkMessageRun(run).filter(
        (line) => !/ ran for .*, no result kept$/.test(line),
      );
      expect(broken, `seed ${seed}, crashes ${JSON.stringify(plan.fired)}`).toEqual([]);
      queued += run.messages.filter((message) => message.status === "running").length;
    }
    expect(queued).toBeGreaterThan(0);
  });
});

describe("the DynamoDB store keeps the key order of event data", () => {
  // A native map would come back in DynamoDB's key order, so the context rendered after a reload
  // would differ from the one the events were made with (factor 12, prompt caching, and the demo
  // deploy bot, which reads the first key). The store keeps event data as JSON text.
  it("renders the same context for a deploy bot thread read back from the store", async () => {
    // Prepare: a deploy bot thread whose prefetch listed the tags
    const agent = createDeploybot();
    const clock = new VirtualClock(Date.now());
    const thread = launch({ agent, threadId: `order_${randomUUID()}`, message: "Deploy", clock });
    await store.create({ thread, head: deriveHead(thread.events) });
    const { events, next } = await step(thread, {
      agent,
      model: new ScriptedModel([call("done_for_now", { message: "ok" })]),
      clock,
    });
    const written = await store.append(thread, events, headAfter({ events, next }));

    // Act
    const read = await store.load(thread.id);

    // Assess
    expect(renderContext(agent, read ?? thread)).toEqual(renderContext(agent, written));
  });
});
