// The README's agent on the environment's model (OpenAI) beside one on its own Bedrock model.

import { refunds } from "./agents.ts";
import { support } from "./bedrock-agents.ts";

export const agents = [refunds, support];
