import { Validations } from "aws-cdk-lib";
import { type IRole, PolicyStatement } from "aws-cdk-lib/aws-iam";

/**
 * What Lambda does with a VPC function's role: create, describe and delete the function's
 * network interfaces and assign their addresses (the actions of AWS's
 * `AWSLambdaVPCAccessExecutionRole`, without its log permissions on every group). EC2 gives
 * these no resource-level permissions, hence `*`, acknowledged for cdk-nag on the role.
 *
 * @example
 * allowNetworkInterfaces(role); // then new NodejsFunction(this, "Fn", { role, vpc, ... })
 */
export function allowNetworkInterfaces(role: IRole): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      resources: ["*"],
    }),
  );
  Validations.of(role).acknowledge({
    id: "AwsSolutions-IAM5[Resource::*]",
    reason:
      "The network interfaces of a function in a VPC: EC2's interface actions have no resource-level permissions, as in AWSLambdaVPCAccessExecutionRole.",
  });
}
