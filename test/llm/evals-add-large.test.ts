import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineAgent, defineTool, doneForNow } from "twelve-agents";
import { expect, it } from "vitest";
import * as z from "zod";
import { EVENT_BYTES_BUDGET } from "../../functions/api/thread-routes.ts";
import { createHttpApi, toNodeListener } from "../../functions/http/index.ts";
import { evalAdd } from "../../infra/local/eval-add.ts";
import { parseCase } from "../../shared/evals/case.ts";
import { DemoModel } from "../../shared/examples/demo-model.ts";

it("twelve eval add fetches the data of an event too large for the events page", async () => {
  // Prepare: a prefetch result past the page's budget, so the API links it.
  const big = "x".repeat(EVENT_BYTES_BUDGET + 10);
  const fetchReport = defineTool({
    name: "fetch_report",
    description: "The report.",
    input: z.object({}),
    kind: "sync",
    run: () => big,
  });
  const reader = defineAgent({
    name: "reader",
    prompt: "Read the report.",
    tools: [fetchReport, doneForNow],
    prefetch: [{ tool: fetchReport, args: {} }],
  });
  const api = createHttpApi({ agents: [reader], model: new DemoModel() });
  const server = createServer(toNodeListener(api.fetch));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), "twelve-evals-large-"));
  try {
    const launched = await fetch(`${url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent: "reader", message: "summarize" }),
    });
    const { threadId } = (await launched.json()) as { threadId: string };
    for (let i = 0; i < 200; i++) {
      const thread = (await (await fetch(`${url}/threads/${threadId}`)).json()) as {
        status: string;
      };
      if (thread.status === "done") break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const page = (await (await fetch(`${url}/threads/${threadId}/events?after=0`)).json()) as {
      events: object[];
    };
    expect(page.events[2]).toHaveProperty("dataLink");
    // Act
    const dataset = join(dir, "d.jsonl");
    await evalAdd({ dataset, threadId, url });
    // Assess
    const evalCase = parseCase(readFileSync(dataset, "utf8").trim());
    const result = evalCase.recorded.find((event) => event.type === "tool_result");
    expect(result?.data.result).toBe(big);
    expect(result).not.toHaveProperty("dataLink");
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});
