// The README's agent on the environment's model (OpenAI) beside one on its own Bedrock model,
// one on a Bedrock model that refuses a forced tool choice, one on Anthropic through the AI SDK,
// an agent that calls another, and one whose tools wait for a callback.

import { refunds } from "./agents.ts";
import { support } from "./bedrock-agents.ts";
import { adder, concierge } from "./provider-agents.ts";
import { lead, releaser } from "./team-agents.ts";

export const agents = [refunds, support, concierge, adder, lead, releaser];
