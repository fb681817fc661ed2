import { describe, expect, it } from "vitest";
import { VersionConflictError } from "../../shared/core/errors.ts";
import { ATTEMPTS, backoffMs, retryOnConflict } from "../../shared/runtime/append-event.ts";

describe("Function: backoffMs", () => {
  it("waits a jittered share of a ceiling that doubles per lost race, up to one second", () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, () => 0.5))).toEqual([12, 25, 50, 100]);
    expect(backoffMs(9, () => 0.999)).toBe(999);
    expect(backoffMs(30, () => 0.5)).toBe(500);
    expect(backoffMs(3, () => 0)).toBe(0);
  });
});

describe("Function: retryOnConflict", () => {
  it("tries again after a lost race, with the jitter it is handed", async () => {
    const picks: number[] = [];
    let tries = 0;
    const result = await retryOnConflict(
      {
        random: () => {
          picks.push(picks.length);
          return 0;
        },
      },
      async () => {
        tries++;
        if (tries < 3) throw new VersionConflictError("t-1", tries);
        return "saved";
      },
    );
    expect([result, tries, picks.length]).toEqual(["saved", 3, 2]);
  });

  it("gives up after ATTEMPTS lost races with the last VersionConflictError (a 409)", async () => {
    let tries = 0;
    const write = async () => {
      tries++;
      throw new VersionConflictError("t-1", 4);
    };
    await expect(retryOnConflict({ random: () => 0 }, write)).rejects.toThrow(VersionConflictError);
    expect(tries).toBe(ATTEMPTS);
  });

  it("passes any other error through at once", async () => {
    let tries = 0;
    const write = async () => {
      tries++;
      throw new TypeError("boom");
    };
    await expect(retryOnConflict({ random: () => 0 }, write)).rejects.toThrow(TypeError);
    expect(tries).toBe(1);
  });
});
