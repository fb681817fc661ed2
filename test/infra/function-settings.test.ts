import { Duration } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import {
  functionDefaults,
  resolveFunctionSettings,
  sqsMaxConcurrency,
  visibilityFor,
} from "../../infra/constructs/function-settings.ts";
import { handlerNames } from "../../infra/constructs/handler-entries.ts";
import { ConfigError } from "../../shared/core/errors.ts";

describe("Function: resolveFunctionSettings", () => {
  it("fills every function's memory and timeout from the defaults, with no reserved concurrency", () => {
    const settings = resolveFunctionSettings();
    expect(Object.keys(settings).sort()).toEqual([...handlerNames].sort());
    expect(settings.worker.timeout.toMinutes()).toBe(5);
    expect(settings.api).toEqual(functionDefaults.api);
    for (const name of handlerNames) {
      expect(settings[name].reservedConcurrentExecutions, name).toBeUndefined();
    }
  });

  it("takes the values given over the defaults, each key on its own", () => {
    const settings = resolveFunctionSettings({
      worker: { memorySize: 1769, reservedConcurrentExecutions: 3 },
      notify: { timeout: Duration.minutes(2) },
    });
    expect(settings.worker.memorySize).toBe(1769);
    expect(settings.worker.timeout.toMinutes()).toBe(5);
    expect(settings.worker.reservedConcurrentExecutions).toBe(3);
    expect(settings.notify.timeout.toSeconds()).toBe(120);
    expect(settings.notify.memorySize).toBe(512);
  });

  it("accepts Lambda's limits: 128 and 10,240 MB, 1 s and 15 minutes, the API's 30 s", () => {
    expect(() =>
      resolveFunctionSettings({
        worker: { memorySize: 10_240, timeout: Duration.minutes(15) },
        reaper: { memorySize: 128, timeout: Duration.seconds(1) },
        api: { timeout: Duration.seconds(30) },
      }),
    ).not.toThrow();
  });

  it.each([
    [
      { worker: { memorySize: 64 } },
      "functions.worker.memorySize must be a whole number from 128 to 10240 MB, got 64 MB",
    ],
    [
      { notify: { memorySize: 10_241 } },
      "functions.notify.memorySize must be a whole number from 128 to 10240 MB, got 10241 MB",
    ],
    [{ trigger: { memorySize: 512.5 } }, "functions.trigger.memorySize must be a whole number"],
    [
      { worker: { timeout: Duration.minutes(16) } },
      "functions.worker.timeout must be a whole number from 1 to 900 s, got 960 s",
    ],
    [
      { reaper: { timeout: Duration.millis(1500) } },
      "functions.reaper.timeout must be whole seconds (Lambda's unit), got 1500 ms",
    ],
    [
      { api: { timeout: Duration.seconds(31) } },
      "functions.api.timeout must be at most 30 s: the HTTP API answers 503 after waiting 30 s for the function, got 31 s",
    ],
    [
      { worker: { reservedConcurrentExecutions: 0 } },
      "functions.worker.reservedConcurrentExecutions must be a whole number at least 1, got 0",
    ],
    [
      { worker: { reservedConcurrentExecutions: 2.5 } },
      "functions.worker.reservedConcurrentExecutions must be a whole number at least 1, got 2.5",
    ],
    [
      { wroker: { memorySize: 1024 } },
      "functions.wroker is not a function of the runtime; use api, worker",
    ],
  ])("refuses %j with a ConfigError naming the setting", (functions, message) => {
    const resolve = () => resolveFunctionSettings(functions as never);
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow(`TwelveRuntime ${message}`);
  });
});

describe("Function: sqsMaxConcurrency", () => {
  it("caps a queue's pollers at the function's reserve, within Lambda's 1,000, and not without one", () => {
    expect(sqsMaxConcurrency(20)).toBe(20);
    expect(sqsMaxConcurrency(1500)).toBe(1000);
    expect(sqsMaxConcurrency(undefined)).toBeUndefined();
  });

  it("lets a function no queue feeds reserve 1", () => {
    expect(
      resolveFunctionSettings({ notify: { reservedConcurrentExecutions: 1 } }).notify
        .reservedConcurrentExecutions,
    ).toBe(1);
  });
});

describe("Function: visibilityFor", () => {
  it("is six times the function's timeout, as AWS advises for an SQS event source", () => {
    expect(visibilityFor(Duration.minutes(5)).toSeconds()).toBe(1800);
    expect(visibilityFor(Duration.seconds(10)).toSeconds()).toBe(60);
  });
});
