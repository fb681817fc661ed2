import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { createTwelveApp } from "../../infra/twelve-app.ts";
import { TwelveRuntime, type TwelveRuntimeProps } from "../../infra/twelve-runtime.ts";
import { exampleAgentsEntry, type TwelveStack } from "../../infra/twelve-stack.ts";
import { agents } from "../../shared/examples/agents.ts";
import { repoRoot } from "../support/repo.ts";

/** The context `npx cdk synth` hands the app: cdk.json's feature flags. */
const cdkJsonContext = (
  JSON.parse(readFileSync(join(repoRoot, "cdk.json"), "utf8")) as {
    context: Record<string, unknown>;
  }
).context;

export interface Synthesized {
  app: App;
  stack: TwelveStack;
  template: Template;
  /** The cloud assembly directory, with the bundled assets. */
  outdir: string;
}

/**
 * Synthesizes the app `npx cdk synth` runs, with cdk.json's context plus `context`, into a
 * temporary directory. `bundle: false` skips esbuild (for variants whose code is not under test).
 */
export function synthTwelve(
  context: Record<string, unknown> = {},
  options: { bundle?: boolean } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), "twelve-cdk-"));
  const { app, stack } = createTwelveApp({
    outdir,
    context: {
      ...cdkJsonContext,
      ...(options.bundle === false ? { "aws:cdk:bundling-stacks": [] } : {}),
      ...context,
    },
  });
  return { app, stack, template: Template.fromStack(stack), outdir };
}

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The template's resources of `type`, by logical id. */
export function resourcesOf(template: Template, type: string): [string, Resource][] {
  const all = template.toJSON().Resources as Record<string, Resource>;
  return Object.entries(all).filter(([, resource]) => resource.Type === type);
}

/** The functions by handler name (`api`, `worker`, ...), read from POWERTOOLS_SERVICE_NAME. */
export function functionsByHandler(template: Template): Map<string, [string, Resource]> {
  const byName = new Map<string, [string, Resource]>();
  for (const [id, fn] of resourcesOf(template, "AWS::Lambda::Function")) {
    const env = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    // Functions not of the runtime (a product's, a custom resource's) run no handler.
    if (typeof env?.POWERTOOLS_SERVICE_NAME !== "string") continue;
    byName.set(env.POWERTOOLS_SERVICE_NAME.replace(/^twelve-/, ""), [id, fn]);
  }
  return byName;
}

/** The function running `handler`, by logical id; throws when the stack has none. */
export function functionOf(template: Template, handler: string): { id: string; fn: Resource } {
  const found = functionsByHandler(template).get(handler);
  if (!found) throw new Error(`the stack has no ${handler} function`);
  return { id: found[0], fn: found[1] };
}

/** The environment variables of the function running `handler`. */
export function environmentOf(template: Template, handler: string): Record<string, unknown> {
  const { fn } = functionOf(template, handler);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** A product's stack (`Shop`) holding a `TwelveRuntime` (`Agents`) with the example agents. */
export interface ProductStack {
  app: App;
  stack: Stack;
  runtime: TwelveRuntime;
  template: Template;
}

/**
 * Builds a product's own stack with a `TwelveRuntime` given `props` over the example agents, as
 * a user of `twelve-agents/cdk` would, without bundling (the resources are under test). `props`
 * may add the product's own resources (a VPC, a certificate) first; `after` uses the runtime.
 */
export function synthProductStack(
  props: (stack: Stack) => Partial<TwelveRuntimeProps> = () => ({}),
  after: (stack: Stack, runtime: TwelveRuntime) => void = () => {},
): ProductStack {
  const app = new App({ context: { ...cdkJsonContext, "aws:cdk:bundling-stacks": [] } });
  const stack = new Stack(app, "Shop");
  const runtime = new TwelveRuntime(stack, "Agents", {
    entry: exampleAgentsEntry,
    agents,
    ...props(stack),
  });
  after(stack, runtime);
  return { app, stack, runtime, template: Template.fromStack(stack) };
}
