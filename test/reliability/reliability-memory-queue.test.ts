import { describe, expect, it } from "vitest";
import { Interleaver } from "../fault-kit/interleaver.ts";
import { MemoryFifoQueue, MemoryStepQueue } from "../fault-kit/memory-queue.ts";
import { SeededRandom } from "../fault-kit/seeded-random.ts";
import { VirtualClock } from "../fault-kit/virtual-clock.ts";

const fresh = (options: { maxReceiveCount?: number } = {}) => {
  const clock = new VirtualClock();
  const queue = new MemoryFifoQueue<string>({ clock, visibilityTimeoutMs: 30_000, ...options });
  return { clock, queue };
};

describe("Class: MemoryFifoQueue (SQS FIFO semantics on a virtual clock)", () => {
  it("hands out one message per group at a time, in order, and the next after the delete", () => {
    // Prepare
    const { queue } = fresh();
    queue.send("a1", { groupId: "a", deduplicationId: "a1" });
    queue.send("a2", { groupId: "a", deduplicationId: "a2" });
    queue.send("b1", { groupId: "b", deduplicationId: "b1" });

    // Act
    const first = queue.receive();
    const blocked = queue.receive();
    for (const message of first) queue.delete(message.receiptHandle);
    const next = queue.receive();

    // Assess
    expect(first.map((m) => m.body)).toEqual(["a1", "b1"]);
    expect(blocked).toEqual([]);
    expect(next.map((m) => m.body)).toEqual(["a2"]);
  });

  it("drops a repeated deduplication id within the window, and accepts it after", () => {
    // Prepare
    const { clock, queue } = fresh();

    // Act
    const sent = [
      queue.send("x", { groupId: "g", deduplicationId: "d" }),
      queue.send("x", { groupId: "g", deduplicationId: "d" }),
    ];
    clock.advance(5 * 60_000);
    sent.push(queue.send("x", { groupId: "g", deduplicationId: "d" }));

    // Assess
    expect(sent).toEqual([true, false, true]);
    expect(queue.stats).toMatchObject({ sent: 2, deduplicated: 1 });
  });

  it("deduplicates a message that was already consumed (SQS remembers the id, not the message)", () => {
    const { queue } = fresh();
    queue.send("x", { groupId: "g", deduplicationId: "d" });
    const [message] = queue.receive();
    queue.delete(message?.receiptHandle ?? "");

    expect(queue.send("x", { groupId: "g", deduplicationId: "d" })).toBe(false);
    expect(queue.depth).toBe(0);
  });

  it("delivers an undeleted message again after the visibility timeout, counting receives", () => {
    // Prepare
    const { clock, queue } = fresh();
    queue.send("x", { groupId: "g", deduplicationId: "d" });
    const [first] = queue.receive();

    // Act
    clock.advance(29_999);
    const early = queue.receive();
    expect(queue.nextVisibleAt()).toBe(clock.millis + 1);
    clock.advance(1);
    const [again] = queue.receive();

    // Assess
    expect(early).toEqual([]);
    expect(first?.receiveCount).toBe(1);
    expect(again).toMatchObject({ messageId: first?.messageId, receiveCount: 2 });
    expect(again?.receiptHandle).not.toBe(first?.receiptHandle);
  });

  it("ignores a delete with the receipt handle of an earlier receive", () => {
    const { clock, queue } = fresh();
    queue.send("x", { groupId: "g", deduplicationId: "d" });
    const [first] = queue.receive();
    clock.advance(30_000);
    const [second] = queue.receive();

    expect(queue.delete(first?.receiptHandle ?? "")).toBe(false);
    expect(queue.delete(second?.receiptHandle ?? "")).toBe(true);
    expect(queue.depth).toBe(0);
  });

  it("moves a message to the dead-letter queue after maxReceiveCount receives, then the group goes on", () => {
    // Prepare
    const { clock, queue } = fresh({ maxReceiveCount: 3 });
    queue.send("poison", { groupId: "g", deduplicationId: "p" });
    queue.send("next", { groupId: "g", deduplicationId: "n" });

    // Act
    const receives: number[] = [];
    for (let i = 0; i < 3; i++) {
      receives.push(...queue.receive().map((m) => m.receiveCount));
      clock.advance(30_000);
    }
    const after = queue.receive();

    // Assess
    expect(receives).toEqual([1, 2, 3]);
    expect(queue.deadLetters.map((m) => m.body)).toEqual(["poison"]);
    expect(after.map((m) => m.body)).toEqual(["next"]);

    // A redrive puts it back with a fresh count
    queue.delete(after[0]?.receiptHandle ?? "");
    expect(queue.redrive()).toBe(1);
    expect(queue.receive()).toMatchObject([{ body: "poison", receiveCount: 1 }]);
  });

  it("makes a message visible at once with a zero visibility change", () => {
    const { queue } = fresh();
    queue.send("x", { groupId: "g", deduplicationId: "d" });
    const [message] = queue.receive();
    queue.changeVisibility(message?.receiptHandle ?? "", 0);
    expect(queue.receive()).toMatchObject([{ body: "x", receiveCount: 2 }]);
  });

  it("MemoryStepQueue uses the SQS adapter's ids: group = thread, dedup = thread:version", async () => {
    const queue = new MemoryStepQueue({ clock: new VirtualClock() });
    await queue.enqueue({ threadId: "t", version: 3 });
    await queue.enqueue({ threadId: "t", version: 3 });
    expect(queue.receive()).toMatchObject([
      { body: { threadId: "t", version: 3 }, groupId: "t", deduplicationId: "t:3" },
    ]);
    expect(queue.stats.deduplicated).toBe(1);
  });
});

describe("Class: Interleaver", () => {
  /** Two actors, three yield points each: the order their steps ran in. */
  async function trace(seed: number): Promise<string[]> {
    const random = new SeededRandom(seed);
    const runner = new Interleaver<string>(() => random.next());
    const log: string[] = [];
    const actor = (name: string) => async () => {
      for (let i = 0; i < 3; i++) {
        log.push(`${name}${i}:${runner.current}`);
        await runner.yield();
      }
    };
    runner.spawn("a", actor("a"));
    runner.spawn("b", actor("b"));
    await runner.run();
    return log;
  }

  it("interleaves actors at yield points, the same way for the same seed", async () => {
    const orders = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const log = await trace(seed);
      expect(await trace(seed)).toEqual(log);
      expect(log.filter((l) => l.startsWith("a"))).toEqual(["a0:a", "a1:a", "a2:a"]);
      orders.add(log.join(" "));
    }
    expect(orders.size).toBeGreaterThan(3);
  });

  it("reports what an actor threw instead of rejecting", async () => {
    const runner = new Interleaver<string>(() => 0);
    const settled = runner.spawn("x", async () => {
      await runner.yield();
      throw new Error("boom");
    });
    await runner.run();
    expect(await settled).toEqual({ ok: false, error: new Error("boom") });
  });
});
