import { PROFILE_GEOGRAPHIES } from "./bedrock-targets.ts";

/** A geography of system-defined inference profiles: the prefix of `us.anthropic.claude-…`. */
export type ProfileGeography = (typeof PROFILE_GEOGRAPHIES)[number];

/**
 * The destination Regions each geography's cross-Region inference profiles may route a call to,
 * the union over the models of AWS's "Supported Regions and models for inference profiles"
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html). A
 * profile of one model routes to some of these. `global.` profiles route to every commercial
 * Region and name the model with no Region (`arn:aws:bedrock:::foundation-model/<id>`, the
 * resource AWS documents for them), so they need no list. AWS adds Regions: `bedrockRegions`
 * (TwelveRuntimeProps) overrides a geography's list.
 */
export const PROFILE_DESTINATIONS = {
  us: ["us-east-1", "us-east-2", "us-west-1", "us-west-2"],
  "us-gov": ["us-gov-east-1", "us-gov-west-1"],
  eu: [
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
  ],
  apac: [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
  ],
  jp: ["ap-northeast-1", "ap-northeast-3"],
  au: ["ap-southeast-2", "ap-southeast-4"],
  ca: ["ca-central-1", "ca-west-1"],
  global: [],
} as const satisfies Record<ProfileGeography, readonly string[]>;

/** Per geography, the destination Regions to grant instead of `PROFILE_DESTINATIONS`' list. */
export type BedrockRegions = Partial<Record<ProfileGeography, readonly string[]>>;

/** The geography a system-defined profile id starts with (`eu.anthropic.…` -> `eu`). */
export function geographyOf(profileId: string): ProfileGeography | undefined {
  const prefix = profileId.slice(0, profileId.indexOf("."));
  return PROFILE_GEOGRAPHIES.find((geography) => geography === prefix);
}

/**
 * The Regions a profile of `geography` may route to: the override's, else the table's.
 *
 * @example
 * destinationRegions("jp"); // ["ap-northeast-1", "ap-northeast-3"]
 */
export function destinationRegions(
  geography: ProfileGeography,
  overrides: BedrockRegions = {},
): readonly string[] {
  return overrides[geography] ?? PROFILE_DESTINATIONS[geography];
}
