import type { ModelIdentity, ModelReply } from "./ports.ts";

/**
 * A reply's usage named after the model that made it: the provider (`bedrock`, `openai`,
 * `ai-sdk:anthropic`…) of the model's identity, and its model id where the adapter reported
 * none, so the console shows, and the cost estimate prices, each call by who answered it. A
 * reply without usage, or a model without identity, is left as it is.
 *
 * @example
 * attributeUsage(await model.next(request), model.identity);
 */
export function attributeUsage(reply: ModelReply, identity: ModelIdentity | undefined): ModelReply {
  if (!reply.usage || !identity) return reply;
  return {
    ...reply,
    usage: {
      ...reply.usage,
      provider: identity.provider,
      model: reply.usage.model ?? identity.model,
    },
  };
}
