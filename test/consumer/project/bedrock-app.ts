// A stack whose only agent runs on Bedrock: the worker may invoke its model, no OpenAI secret.
import { App, Stack } from "aws-cdk-lib";
import { TwelveRuntime } from "twelve-agents/cdk";
import { agents } from "./bedrock-agents.ts";

const app = new App({ outdir: "cdk.out" });
const stack = new Stack(app, "ShopOnBedrock");
new TwelveRuntime(stack, "Agents", { entry: "./bedrock-agents.ts", agents });
app.synth();
