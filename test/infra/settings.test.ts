import { App, RemovalPolicy } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { readSettings } from "../../infra/settings.ts";
import { ConfigError } from "../../shared/core/errors.ts";

const settingsOf = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

describe("Deploy settings (-c key=value)", () => {
  it("default to a retained stack named Twelve with the AWS SDK bundled", () => {
    expect(settingsOf({})).toEqual({
      stackName: "Twelve",
      demoModel: false,
      runtimeAwsSdk: false,
      removalPolicy: RemovalPolicy.RETAIN,
      logLevel: "INFO",
    });
  });

  it("read flags given as text, the way -c passes them", () => {
    const settings = settingsOf({ runtimeAwsSdk: "true", demoModel: "false" });
    expect(settings.runtimeAwsSdk).toBe(true);
    expect(settings.demoModel).toBe(false);
  });

  it("name every key that is wrong, in a ConfigError", () => {
    const act = () => settingsOf({ runtimeAwsSdk: "yes", logLevel: "LOUD" });
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(
      /^invalid context \(-c key=value\): runtimeAwsSdk: [^;]+; logLevel: [^;]+$/,
    );
  });

  it("read a JWT issuer and its comma-separated audiences, both or neither", () => {
    const issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf";
    expect(settingsOf({ jwtIssuer: issuer, jwtAudience: "web, cli" }).jwt).toEqual({
      issuer,
      audience: ["web", "cli"],
    });
    expect(() => settingsOf({ jwtIssuer: issuer })).toThrow(
      "invalid context (-c key=value): jwtAudience: is required with jwtIssuer",
    );
    expect(() => settingsOf({ jwtAudience: "web" })).toThrow(
      "invalid context (-c key=value): jwtIssuer: is required with jwtAudience",
    );
    expect(() => settingsOf({ jwtIssuer: "http://idp.example", jwtAudience: "web," })).toThrow(
      /^invalid context \(-c key=value\): jwtIssuer: an https issuer URL[^;]*; jwtAudience: /,
    );
  });
});
