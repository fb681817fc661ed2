import { Duration, type RemovalPolicy, Token, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  ApiMapping,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import {
  HttpJwtAuthorizer,
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { ICertificate } from "aws-cdk-lib/aws-certificatemanager";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { apiRoutes } from "./api-routes.gen.ts";

/** An OIDC / Cognito issuer whose JWTs the API accepts instead of API keys. */
export interface JwtAuth {
  /**
   * The issuer URL, the token's `iss`, e.g.
   * `https://cognito-idp.<region>.amazonaws.com/<user pool id>` or `https://<tenant>.auth0.com/`.
   */
  issuer: string;
  /** The token's `aud` must be one of these (a Cognito token: the app client id). */
  audience: readonly string[];
}

export interface ThreadsApiProps {
  /** The HTTP API handler: every route goes to it. */
  handler: IFunction;
  /**
   * Who may call: the Lambda authorizer that checks the bearer key, or `{ jwt }`, the HTTP API's
   * own JWT authorizer for that issuer and audience.
   */
  authorizer: IFunction | { jwt: JwtAuth };
  /** Of the access log group. */
  removalPolicy: RemovalPolicy;
  /** Serve the API at `https://<name>/` too (see `ApiDomain`). */
  domain?: ApiDomain;
  /** Route `POST /mcp` to the handler. Default true. */
  mcpEndpoint?: boolean;
}

/** The MCP endpoint's path: the one route `mcpEndpoint: false` leaves out. */
export const MCP_PATH = "/mcp";

/**
 * A custom domain for the HTTP API: the name and an ACM certificate for it in the stack's region.
 * The API is mapped at the domain's root; point a DNS record (a Route 53 alias, or a CNAME) at the
 * `domainName`'s `regionalDomainName`.
 */
export interface ApiDomain {
  /** The host name, e.g. `agents.example.com`. */
  name: string;
  certificate: ICertificate;
}

/** Requests per second (and burst) the `$default` stage lets through, across all callers. */
export const apiThrottle = { rateLimit: 50, burstLimit: 100 } as const;

/**
 * The HTTP API: one explicit route per entry of the handler's own route table
 * (`functions/api/routes.ts`, as `api-routes.gen.ts` lists it without loading the router), so
 * the deployed routes cannot drift from the code (`POST /mcp` left out with `mcpEndpoint: false`).
 * Every route
 * needs the bearer key (a Lambda authorizer, results cached five minutes per key) or, with
 * `{ jwt }`, a JWT of that issuer and audience; the stage is throttled and writes JSON access
 * logs. No CORS: the callers are servers and curl.
 *
 * @example
 * const api = new ThreadsApi(this, "Api", { handler, authorizer, removalPolicy });
 * new CfnOutput(this, "ApiUrl", { value: api.url });
 */
export class ThreadsApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** The custom domain, when `domain` is given: its `regionalDomainName` is the DNS target. */
  readonly domainName: DomainName | undefined;

  constructor(scope: Construct, id: string, props: ThreadsApiProps) {
    super(scope, id);
    const authorizer =
      "jwt" in props.authorizer
        ? jwtAuthorizer(props.authorizer.jwt)
        : new HttpLambdaAuthorizer("BearerKey", props.authorizer, {
            responseTypes: [HttpLambdaResponseType.SIMPLE],
            identitySource: ["$request.header.Authorization"],
            resultsCacheTtl: Duration.minutes(5),
          });
    this.api = new HttpApi(this, "HttpApi", {
      description: "Twelve: launch, inspect and resume agent threads",
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });
    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            routeKey: "$context.routeKey",
            status: "$context.status",
            responseLength: "$context.responseLength",
            latencyMs: "$context.responseLatency",
            authorizerError: "$context.authorizer.error",
            integrationError: "$context.integrationErrorMessage",
          }),
        ),
      },
    });
    this.domainName = props.domain ? this.mapDomain(props.domain) : undefined;
    const integration = new HttpLambdaIntegration("Handler", props.handler);
    const served = apiRoutes.filter(
      (route) => (props.mcpEndpoint ?? true) || route.path !== MCP_PATH,
    );
    for (const route of served) {
      const added = this.api.addRoutes({
        path: route.path,
        methods: [httpMethod(route.method)],
        integration,
        // Signed webhooks carry an HMAC, not the bearer key: the function verifies them.
        ...(route.openAtGateway ? { authorizer: new HttpNoneAuthorizer() } : {}),
      });
      if (route.openAtGateway) {
        for (const r of added) {
          Validations.of(r).acknowledge({
            id: "AwsSolutions-APIG4",
            reason: route.openAtGateway,
          });
        }
      }
    }
  }

  /**
   * The API's base URL: `https://<domain>/` with a custom domain, else
   * `https://<id>.execute-api.<region>.amazonaws.com/`.
   */
  get url(): string {
    return this.domainName ? `https://${this.domainName.name}/` : this.stage.url;
  }

  private mapDomain(domain: ApiDomain): DomainName {
    const domainName = new DomainName(this, "Domain", {
      domainName: domain.name,
      certificate: domain.certificate,
    });
    new ApiMapping(this, "DomainMapping", { api: this.api, domainName, stage: this.stage });
    return domainName;
  }
}

function jwtAuthorizer(jwt: JwtAuth): HttpJwtAuthorizer {
  if (!Token.isUnresolved(jwt.issuer) && !/^https:\/\/\S+$/.test(jwt.issuer)) {
    throw new Error(`jwt.issuer must be an https URL (the tokens' iss), got "${jwt.issuer}"`);
  }
  if (jwt.audience.length === 0 || jwt.audience.some((aud) => aud.trim() === "")) {
    throw new Error("jwt.audience must name at least one audience, none of them empty");
  }
  return new HttpJwtAuthorizer("Jwt", jwt.issuer, {
    identitySource: ["$request.header.Authorization"],
    jwtAudience: [...jwt.audience],
  });
}

function httpMethod(method: string): HttpMethod {
  const known = Object.values(HttpMethod) as string[];
  if (!known.includes(method)) throw new Error(`route method ${method} is not an HTTP API method`);
  return method as HttpMethod;
}
