import { describe, expect, it } from "vitest";
import { CorruptThreadError } from "../../shared/aws/dynamo/errors.ts";
import { readEvent, SCHEMA_VERSION } from "../../shared/aws/dynamo/items.ts";
import { upcast, upcasters, usageTokensRenamed } from "../../shared/core/upcasters.ts";

const at = "2026-01-05T09:00:00.000Z";
const v1Call = {
  type: "tool_call",
  at,
  data: {
    callId: "call_1",
    tool: "add",
    args: { a: 3, b: 4 },
    source: "model",
    usage: { promptTokens: 412, completionTokens: 19, model: "gpt-4o-mini" },
  },
};

describe("Upcasters", () => {
  it("has one step for every version before the current one", () => {
    const steps = Object.keys(upcasters).map(Number).sort();
    expect(steps).toEqual(Array.from({ length: SCHEMA_VERSION - 1 }, (_, n) => n + 1));
  });

  it("v1 to v2 renames usage on tool calls and errors, keeps the rest, changes no input", () => {
    // Prepare
    const error = {
      type: "error",
      at,
      data: {
        code: "model_reply",
        message: "no call",
        usage: { promptTokens: 5, completionTokens: 0 },
      },
    };
    const frozen = structuredClone(v1Call);

    // Act
    const call = usageTokensRenamed(v1Call);
    const failed = usageTokensRenamed(error);

    // Assess
    expect(call).toEqual({
      ...v1Call,
      data: { ...v1Call.data, usage: { inputTokens: 412, outputTokens: 19, model: "gpt-4o-mini" } },
    });
    expect(JSON.stringify((call.data as { usage: unknown }).usage)).toBe(
      '{"inputTokens":412,"outputTokens":19,"model":"gpt-4o-mini"}',
    );
    expect(failed.data).toEqual({
      code: "model_reply",
      message: "no call",
      usage: { inputTokens: 5, outputTokens: 0 },
    });
    expect(v1Call).toEqual(frozen);
  });

  it("v1 to v2 leaves events without usage, and other types, as they are", () => {
    const prefetch = { ...v1Call, data: { ...v1Call.data, usage: undefined, source: "prefetch" } };
    const message = {
      type: "user_message",
      at,
      data: { message: "hi", usage: { promptTokens: 1 } },
    };
    expect(usageTokensRenamed(prefetch)).toBe(prefetch);
    expect(usageTokensRenamed(message)).toBe(message);
  });

  it("upcast applies no step to a current event and refuses an unknown version", () => {
    const current = { type: "user_message", at, data: { message: "hi" } };
    expect(upcast(current, SCHEMA_VERSION, SCHEMA_VERSION)).toBe(current);
    expect(() => upcast(current, 0, SCHEMA_VERSION)).toThrow(/no upcaster from schema version 0/);
  });
});

describe("Function: readEvent (per-item schema version)", () => {
  const item = (extra: Record<string, unknown>) => ({
    pk: "THREAD#t1",
    sk: "EVT#0000000000",
    type: v1Call.type,
    at,
    dataJson: JSON.stringify(v1Call.data),
    ...extra,
  });

  it("reads an item without a version as version 1, and upcasts it", () => {
    const event = readEvent("t1", "EVT#0000000000", item({}));
    expect(event.type === "tool_call" && event.data.usage).toEqual({
      inputTokens: 412,
      outputTokens: 19,
      model: "gpt-4o-mini",
    });
  });

  it("reads a current item as it is: an old shape at the current version is corrupt", () => {
    const current = { ...v1Call.data, usage: { inputTokens: 1, outputTokens: 2 } };
    const event = readEvent(
      "t1",
      "EVT#0000000000",
      item({ dataJson: JSON.stringify(current), schemaVersion: SCHEMA_VERSION }),
    );
    expect(event.data).toEqual(current);
    expect(() =>
      readEvent("t1", "EVT#0000000000", item({ schemaVersion: SCHEMA_VERSION })),
    ).toThrow(CorruptThreadError);
  });

  it("refuses an item of a newer schema version than this code reads", () => {
    expect(() =>
      readEvent("t1", "EVT#0000000000", item({ schemaVersion: SCHEMA_VERSION + 1 })),
    ).toThrow(
      `schemaVersion ${SCHEMA_VERSION + 1} is not one this code reads (1 to ${SCHEMA_VERSION})`,
    );
  });
});
