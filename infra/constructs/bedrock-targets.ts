/**
 * What a Bedrock model id names, read at synth to grant exactly it: a foundation model, a
 * system-defined (cross-Region) inference profile, or any other Bedrock ARN (an application
 * inference profile, a provisioned or imported model), each granted as it is.
 */
export type BedrockTarget =
  | { kind: "foundation-model"; modelId: string; region?: string }
  | {
      kind: "inference-profile";
      profileId: string;
      /** The foundation model the profile routes to, in the Regions of its geography. */
      modelId: string;
      region?: string;
      account?: string;
    }
  | { kind: "arn"; arn: string; resourceType: string };

/**
 * The geographies of system-defined inference profiles (`us.anthropic.claude-…`): the id is the
 * foundation model's with one of these in front. `global.` routes to every commercial Region.
 */
export const PROFILE_GEOGRAPHIES = [
  "us",
  "us-gov",
  "eu",
  "apac",
  "jp",
  "au",
  "ca",
  "global",
] as const;

const profilePrefix = new RegExp(`^(?:${PROFILE_GEOGRAPHIES.join("|")})\\.(?=[^.]+\\.)`);
const bedrockArn = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]*):(\d*):([a-z-]+)\/(.+)$/;

/**
 * Reads a model id as `bedrock(modelId)` takes it: a model id, an inference profile id or an
 * ARN. Region and account come from an ARN; for ids they are the caller's (the stack's).
 *
 * @example
 * bedrockTarget("eu.anthropic.claude-sonnet-4-20250514-v1:0");
 * // { kind: "inference-profile", profileId: "eu.anthropic…", modelId: "anthropic.claude-sonnet-4-20250514-v1:0" }
 */
export function bedrockTarget(id: string): BedrockTarget {
  const arn = bedrockArn.exec(id);
  if (arn) {
    const [, region = "", account = "", resourceType = "", name = ""] = arn;
    if (resourceType === "foundation-model") {
      return { kind: "foundation-model", modelId: name, ...(region ? { region } : {}) };
    }
    if (resourceType === "inference-profile") {
      return {
        kind: "inference-profile",
        profileId: name,
        modelId: name.replace(profilePrefix, ""),
        ...(region ? { region } : {}),
        ...(account ? { account } : {}),
      };
    }
    return { kind: "arn", arn: id, resourceType };
  }
  if (profilePrefix.test(id)) {
    return { kind: "inference-profile", profileId: id, modelId: id.replace(profilePrefix, "") };
  }
  return { kind: "foundation-model", modelId: id };
}
