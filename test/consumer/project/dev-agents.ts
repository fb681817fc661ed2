// The README's agent on the environment's model (OpenAI) beside one on its own Bedrock model, an
// agent that calls another, and one whose tools wait for a callback.

import { refunds } from "./agents.ts";
import { support } from "./bedrock-agents.ts";
import { lead, releaser } from "./team-agents.ts";

export const agents = [refunds, support, lead, releaser];
