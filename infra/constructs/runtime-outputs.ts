import { CfnOutput } from "aws-cdk-lib";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";

/**
 * The stack outputs the deploy steps read, named exactly `ApiKeySecretArn` (absent with `jwt`)
 * and `OpenAiKeySecretArn` (absent with `model: "module"`) whatever the construct's id, so a
 * product's stack has them as the repository's own does. Names are unique in a stack: a second
 * runtime in the same stack sets `outputs: false` and outputs its secrets itself.
 *
 * @example
 * runtimeOutputs(this, { apiKeySecret, openAiKeySecret });
 */
export function runtimeOutputs(
  scope: Construct,
  secrets: { apiKeySecret: ISecret | undefined; openAiKeySecret: ISecret | undefined },
): void {
  const output = (name: string, secret: ISecret | undefined, description: string) => {
    if (!secret) return;
    new CfnOutput(scope, name, { value: secret.secretArn, description }).overrideLogicalId(name);
  };
  output("ApiKeySecretArn", secrets.apiKeySecret, "Secret holding the API's bearer keys");
  output("OpenAiKeySecretArn", secrets.openAiKeySecret, "Put the OpenAI API key here");
}
