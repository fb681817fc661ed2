import { Annotations, ArnFormat, Stack, Token } from "aws-cdk-lib";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { type BedrockRegions, destinationRegions, geographyOf } from "./bedrock-profile-regions.ts";
import { bedrockTarget } from "./bedrock-targets.ts";
import type { BedrockModelUse } from "./worker-models.ts";

/** The one action Converse needs (Bedrock's API reference: "requires permission for the bedrock:InvokeModel action"). */
export const BEDROCK_INVOKE = "bedrock:InvokeModel";

/**
 * Lets `fn` invoke exactly these Bedrock models, with Converse (`bedrock:InvokeModel`):
 * - a foundation model id: that model's ARN in its Region (the stack's unless an ARN names one);
 * - an inference profile (`us.`, `eu.`, `global.`… or its ARN): the profile's ARN, and the
 *   foundation model it routes to in each destination Region of its geography
 *   (`PROFILE_DESTINATIONS`, or `regions` for that geography) and in the calling Region; a
 *   `global.` one in the calling Region and with no Region at all
 *   (`arn:aws:bedrock:::foundation-model/<id>`, as AWS documents it); only when called through
 *   that profile (`bedrock:InferenceProfileArn`);
 * - any other Bedrock ARN (an application inference profile, a provisioned model): that ARN, and
 *   a synth warning that the models behind it are not known here.
 * No wildcard is ever granted, neither of a model nor of a Region.
 *
 * @example
 * grantBedrockModels(worker, [{ modelId: "eu.anthropic.claude-sonnet-4-20250514-v1:0" }]);
 */
export function grantBedrockModels(
  fn: IFunction,
  uses: readonly BedrockModelUse[],
  regions: BedrockRegions = {},
): void {
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
        const source = target.region ?? use.region ?? stack.region;
        const profile = stack.formatArn({
          service: "bedrock",
          region: source,
          account: target.account ?? stack.account,
          resource: "inference-profile",
          resourceName: target.profileId,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        });
        direct.push(profile);
        fn.addToRolePolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: [BEDROCK_INVOKE],
            resources: routedModels(target.profileId, source, regions).map((region) =>
              modelArn(target.modelId, region),
            ),
            conditions: { StringEquals: { "bedrock:InferenceProfileArn": profile } },
          }),
        );
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
 * The Regions whose foundation-model ARN a profile's call may name: the calling Region (when
 * known at synth and not in the list, or always for a global profile), the destination Regions
 * of the profile's geography, and for `global.` the ARN with no Region ("").
 */
function routedModels(profileId: string, source: string, regions: BedrockRegions): string[] {
  const geography = geographyOf(profileId);
  const destinations = geography ? destinationRegions(geography, regions) : [];
  const calling = Token.isUnresolved(source) && destinations.length > 0 ? [] : [source];
  const unspecified = geography === "global" ? [""] : [];
  return [...new Set([...destinations, ...calling, ...unspecified])];
}
