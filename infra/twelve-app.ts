import { App, type AppProps, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { agents } from "../shared/examples/agents.ts";
import { readSettings } from "./settings.ts";
import { exampleAgentsEntry, TwelveStack } from "./twelve-stack.ts";

/**
 * The CDK app: one environment-agnostic stack (no lookups, so synth needs no account and no
 * network) serving the example agents, checked by cdk-nag's AWS Solutions pack on every synth.
 * `infra/app.ts` runs it for the CLI; the infra tests build the very same app.
 *
 * @example
 * const { app, stack } = createTwelveApp({ context: { demoModel: "true" } });
 * app.synth();
 */
export function createTwelveApp(props: AppProps = {}): { app: App; stack: TwelveStack } {
  const app = new App(props);
  const settings = readSettings(app.node);
  const stack = new TwelveStack(app, settings.stackName, {
    settings,
    entry: exampleAgentsEntry,
    agents,
    description: "Twelve: a 12-factor LLM agent runtime (API, worker, thread table, step queue)",
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
