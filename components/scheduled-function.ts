import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROTECTED_NAMES } from "./guardrail-documents";
import { bundleFunction, type FunctionBundle } from "./function-bundle";
import type { IdentityPolicyDocument } from "./policy-documents";

/**
 * What every function's name, and so its role, log group and schedule, begins with: the security-account
 * guardrail (components/guardrail-documents.ts) protects them by this prefix.
 */
export const FUNCTION_NAME_PREFIX = PROTECTED_NAMES.functionNamePrefix;

/** Lambda's limit: a run must fit in 15 minutes (aws-gotchas 15). */
export const FUNCTION_TIMEOUT_SECONDS = 900;

export interface ScheduledFunctionArgs {
    /** The security account, where the function runs. */
    securityAccountId: string;
    /** Where the function, its schedule and its logs live. */
    region: string;
    /** The Lambda function's name, beginning with FUNCTION_NAME_PREFIX; its role and log group are named after it. */
    functionName: string;
    description: string;
    /** `functions/<entry>.ts`, bundled at plan time. */
    entry: string;
    /** The execution role's only permissions (its logs included). */
    rolePolicy: pulumi.Input<string>;
    /** The inline policy's name. */
    policyName: string;
    environment: Record<string, pulumi.Input<string>>;
    /** An EventBridge schedule expression. */
    schedule: string;
    /** The event the schedule sends, as JSON. Default: EventBridge's own scheduled event. */
    scheduleInput?: string;
    logRetentionDays: number;
    memorySize: number;
    /** Runs at a time (reserved concurrency). Default 1: two overlapping runs would do the same work twice. */
    concurrency?: number;
    /** What the function waits for before it is created. */
    after: pulumi.Resource[];
}

/** The execution role's name: the function's, with its region (IAM is global, functions are regional). */
export function functionRoleName(functionName: string, region: string): string {
    return `${functionName}-${region}`;
}

/** The log group every scheduled function writes its run reports to. */
export function logGroupArn(
    partition: string,
    region: string,
    account: string,
    functionName: string,
): string {
    return `arn:${partition}:logs:${region}:${account}:log-group:/aws/lambda/${functionName}`;
}

/** The statement that lets a function write its own logs, and no others. */
export function ownLogsStatement(logGroup: string): IdentityPolicyDocument["Statement"][number] {
    return {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${logGroup}:*`,
    };
}

/**
 * A function of this program in the security account: its log group, a role only Lambda of this account can
 * assume with exactly `rolePolicy`, the function (one run at a time), and the EventBridge schedule that runs
 * it. Resource names are `<name>-<part>`, children of `parent`.
 */
export function scheduledFunction(
    name: string,
    parent: pulumi.Resource,
    args: ScheduledFunctionArgs,
): {
    function: aws.lambda.Function;
    role: aws.iam.Role;
    bundle: FunctionBundle;
    schedule: aws.cloudwatch.EventRule;
} {
    const { region } = args;
    if (!args.functionName.startsWith(FUNCTION_NAME_PREFIX))
        throw new Error(`function name ${args.functionName} must begin with ${FUNCTION_NAME_PREFIX}`);
    const bundle = bundleFunction(args.entry);
    const logs = new aws.cloudwatch.LogGroup(
        `${name}-logs`,
        { region, name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays },
        { parent },
    );
    const role = new aws.iam.Role(
        `${name}-role`,
        {
            name: functionRoleName(args.functionName, region),
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "lambda.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        // Only functions of this account (confused deputy).
                        Condition: { StringEquals: { "aws:SourceAccount": args.securityAccountId } },
                    },
                ],
            }),
        },
        { parent },
    );
    const policy = new aws.iam.RolePolicy(
        `${name}-permissions`,
        { role: role.name, name: args.policyName, policy: args.rolePolicy },
        { parent },
    );
    const fn = new aws.lambda.Function(
        `${name}-function`,
        {
            region,
            name: args.functionName,
            description: args.description,
            runtime: aws.lambda.Runtime.NodeJS24dX,
            handler: "index.handler",
            role: role.arn,
            code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundle.code) }),
            sourceCodeHash: Buffer.from(bundle.sha256, "hex").toString("base64"),
            timeout: FUNCTION_TIMEOUT_SECONDS,
            memorySize: args.memorySize,
            reservedConcurrentExecutions: args.concurrency ?? 1,
            environment: { variables: args.environment },
            loggingConfig: { logFormat: "Text", logGroup: logs.name },
        },
        { parent, dependsOn: [policy, logs, ...args.after] },
    );
    const schedule = new aws.cloudwatch.EventRule(
        `${name}-schedule`,
        {
            region,
            name: `${args.functionName}-schedule`,
            description: `Runs ${args.functionName} (security-governance)`,
            scheduleExpression: args.schedule,
        },
        { parent },
    );
    const permission = new aws.lambda.Permission(
        `${name}-schedule-permission`,
        {
            region,
            action: "lambda:InvokeFunction",
            function: fn.name,
            principal: "events.amazonaws.com",
            sourceArn: schedule.arn,
        },
        { parent },
    );
    new aws.cloudwatch.EventTarget(
        `${name}-schedule-target`,
        {
            region,
            rule: schedule.name,
            arn: fn.arn,
            ...(args.scheduleInput === undefined ? {} : { input: args.scheduleInput }),
        },
        { parent, dependsOn: [permission] },
    );
    return { function: fn, role, bundle, schedule };
}
