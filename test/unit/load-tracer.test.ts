import { Tracer } from "@aws-lambda-powertools/tracer";
import { describe, expect, it } from "vitest";
import { loadTracer, mayTrace } from "../../functions/observability/tracing.ts";

/** What the Lambda runtime sets (Node 24), and nothing of Powertools. */
const lambda = { AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x" };

describe("loadTracer", () => {
  it("loads no tracer outside Lambda, nor with POWERTOOLS_TRACE_ENABLED=false", async () => {
    expect(mayTrace({})).toBe(false);
    expect(await loadTracer({})).toBeUndefined();
    for (const off of ["false", "FALSE", "False"]) {
      expect(mayTrace({ ...lambda, POWERTOOLS_TRACE_ENABLED: off }), off).toBe(false);
      expect(await loadTracer({ ...lambda, POWERTOOLS_TRACE_ENABLED: off }), off).toBeUndefined();
    }
  });

  it("loads Powertools Tracer in Lambda, unless turned off", async () => {
    expect(mayTrace(lambda)).toBe(true);
    expect(mayTrace({ ...lambda, POWERTOOLS_TRACE_ENABLED: "true" })).toBe(true);
    expect(await loadTracer(lambda)).toBeInstanceOf(Tracer);
  });
});
