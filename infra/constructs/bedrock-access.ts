import { Annotations, ArnFormat, Stack, Validations } from "aws-cdk-lib";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { bedrockTarget } from "./bedrock-targets.ts";
import type { BedrockModelUse } from "./worker-models.ts";

/** The one action Converse needs (Bedrock's API reference: "requires permission for the bedrock:InvokeModel action"). */
export const BEDROCK_INVOKE = "bedrock:InvokeModel";

/**
 * Lets `fn` invoke exactly these Bedrock models, with Converse (`bedrock:InvokeModel`):
 * - a foundation model id: that model's ARN in its Region (the stack's unless an ARN names one);
 * - an inference profile (`us.`, `eu.`, `global.`… or its ARN): the profile's ARN, and the
 *   foundation model it routes to in any Region (`bedrock:*::foundation-model/<id>`, the
 *   destinations are AWS's to choose; a `global.` one calls with no Region at all), only when
 *   called through that profile (`bedrock:InferenceProfileArn`);
 * - any other Bedrock ARN (an application inference profile, a provisioned model): that ARN, and
 *   a synth warning that the models behind it are not known here.
 * No model wildcard is ever granted.
 *
 * @example
 * grantBedrockModels(worker, [{ modelId: "eu.anthropic.claude-sonnet-4-20250514-v1:0" }]);
 */
export function grantBedrockModels(fn: IFunction, uses: readonly BedrockModelUse[]): void {
  const stack = Stack.of(fn);
  const modelArn = (modelId: string, region: string) =>
    stack.formatArn({
      service: "bedrock",
      region,
      account: "",
      resource: "foundation-model",
      resourceName: modelId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  const direct: string[] = [];
  for (const use of uses) {
    const target = bedrockTarget(use.modelId);
    switch (target.kind) {
      case "foundation-model":
        direct.push(modelArn(target.modelId, target.region ?? use.region ?? stack.region));
        break;
      case "inference-profile": {
        const profile = stack.formatArn({
          service: "bedrock",
          region: target.region ?? use.region ?? stack.region,
          account: target.account ?? stack.account,
          resource: "inference-profile",
          resourceName: target.profileId,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        });
        direct.push(profile);
        const routed = modelArn(target.modelId, "*");
        // A global profile calls its model with no Region in the ARN: named as AWS's docs do.
        const unspecified = target.profileId.startsWith("global.")
          ? [modelArn(target.modelId, "")]
          : [];
        fn.addToRolePolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: [BEDROCK_INVOKE],
            resources: [routed, ...unspecified],
            conditions: { StringEquals: { "bedrock:InferenceProfileArn": profile } },
          }),
        );
        acknowledgeRoutedModel(fn, stack.resolve(routed));
        break;
      }
      case "arn":
        direct.push(target.arn);
        Annotations.of(fn).addWarningV2(
          "twelve:bedrockModelBehindArn",
          `The worker may invoke ${target.arn} (a ${target.resourceType}); the foundation models it routes to are not known at synth: grant them to runtime.functions.worker (bedrock:InvokeModel on their foundation-model ARNs).`,
        );
        break;
      default:
        target satisfies never;
    }
  }
  if (direct.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [BEDROCK_INVOKE],
        resources: [...new Set(direct)],
      }),
    );
  }
}

/**
 * The Regions an inference profile routes a call to are AWS's to choose (and `global.` ones call
 * with none): the grant names the one foundation model in any Region, behind that profile only.
 */
function acknowledgeRoutedModel(fn: IFunction, resolved: unknown): void {
  Validations.of(fn.role ?? fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResource(resolved)}]`,
    reason:
      "One foundation model in the Regions its cross-Region inference profile routes to (AWS chooses them), invocable only through that profile (bedrock:InferenceProfileArn).",
  });
}

/** An ARN as cdk-nag names it in a finding: pseudo parameters as `<AWS::Partition>`. */
function nagResource(resolved: unknown): string {
  if (typeof resolved === "string") return resolved;
  const join = (resolved as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
  if (!join) return JSON.stringify(resolved);
  return join[1]
    .map((part) =>
      typeof part === "string"
        ? part
        : `<${(part as { Ref?: string }).Ref ?? JSON.stringify(part)}>`,
    )
    .join(join[0]);
}
