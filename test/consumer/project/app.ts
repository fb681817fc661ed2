// The product's existing stack, which gains an agent runtime: `node app.ts` is what `cdk synth` runs.
import { App, CfnOutput, Stack } from "aws-cdk-lib";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { TwelveRuntime } from "twelve-agents/cdk";
import { agents } from "./agents.ts";

const app = new App({ outdir: "cdk.out" });
const stack = new Stack(app, "Shop");
new Bucket(stack, "Invoices");
const runtime = new TwelveRuntime(stack, "Agents", { entry: "./agents.ts", agents });
new CfnOutput(stack, "AgentsUrl", { value: runtime.url });
app.synth();
