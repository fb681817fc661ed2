import type { Model, ModelReply, ModelRequest } from "../../shared/core/ports.ts";
import { DemoModel } from "../../shared/examples/demo-model.ts";
import { call } from "../../shared/testing/index.ts";

/**
 * The demo model, reading the system prompt as a real model would: a prompt that says "never
 * divide" makes it ask instead of proposing a division. So a prompt change changes its choices,
 * on the cases with a division and no others (what the eval tests need).
 */
export class PromptReadingModel implements Model {
  private readonly demo = new DemoModel();

  async next(request: ModelRequest): Promise<ModelReply> {
    const system = request.messages.find((m) => m.role === "system")?.content ?? "";
    const reply = await this.demo.next(request);
    if (/never divide/i.test(system) && reply.type === "tool_call" && reply.tool === "divide") {
      return call("request_more_information", {
        message: "I may not divide. What should I compute instead?",
      });
    }
    return reply;
  }
}
