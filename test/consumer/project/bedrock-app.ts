// A stack whose only agent runs on Bedrock: the worker may invoke its model, no OpenAI secret, and
// its bundle loads the Lambda runtime's AWS SDK (the Bedrock client among it) and leaves out openai.
import { App, Stack } from "aws-cdk-lib";
import { TwelveRuntime } from "twelve-agents/cdk";
import { agents } from "./bedrock-agents.ts";

const app = new App({ outdir: "cdk.out" });
const stack = new Stack(app, "ShopOnBedrock");
new TwelveRuntime(stack, "Agents", {
  entry: "./bedrock-agents.ts",
  agents,
  runtimeAwsSdk: true,
});
app.synth();
