import type { Model, ModelReply, ModelRequest } from "twelve-agents";

/**
 * A Converse model as small as the bench needs: the shape of a Bedrock adapter's bundle (its
 * identity; `@aws-sdk/client-bedrock-runtime` imported on the first call, so the worker's cold
 * init does not load it), not its behaviour. `twelve-agents/bedrock`'s `bedrock()` takes its place
 * once it ships.
 */
export function converseModel(modelId: string): Model {
  return {
    identity: { provider: "bedrock", model: modelId },
    async next(request: ModelRequest): Promise<ModelReply> {
      const { BedrockRuntimeClient, ConverseCommand } = await import(
        "@aws-sdk/client-bedrock-runtime"
      );
      const system = request.messages.filter((m) => m.role === "system");
      const answer = await new BedrockRuntimeClient({}).send(
        new ConverseCommand({
          modelId,
          system: system.map((m) => ({ text: m.content })),
          messages: request.messages
            .filter((m) => m.role !== "system")
            .map((m) => ({ role: "user" as const, content: [{ text: m.content }] })),
          toolConfig: {
            tools: request.tools.map((t) => ({
              toolSpec: {
                name: t.name,
                description: t.description,
                inputSchema: { json: t.parameters as never },
              },
            })),
            toolChoice: { any: {} },
          },
        }),
      );
      const use = answer.output?.message?.content?.find((block) => block.toolUse)?.toolUse;
      return use?.name
        ? { type: "tool_call", tool: use.name, args: use.input }
        : { type: "invalid", reason: "no tool call" };
    },
  };
}
