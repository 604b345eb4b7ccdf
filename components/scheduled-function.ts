import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROTECTED_NAMES } from "./guardrail-documents";
import { bundleFunction, type FunctionBundle } from "./function-bundle";
import { LAMBDA_RUNTIME } from "./lambda-runtime";
import type { IdentityPolicyDocument } from "./policy-documents";
import { watched, type Watched, type WatchedQueue } from "./watched";

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
    /**
     * Where an invocation that fails goes. Default: a queue of the function's own (`<function>-failed-runs`),
     * which the alarms watch. "own": the caller gives the function an on-failure destination itself.
     */
    onFailure?: "own";
    /** What the function does, in words for its alarms. */
    what: string;
}

/** SQS's longest retention, 14 days (SetQueueAttributes MessageRetentionPeriod: 60 to 1,209,600 seconds). */
export const FAILED_RUNS_RETENTION_SECONDS = 1_209_600;

/** The queue a scheduled function's failed invocations go to. */
export function failedRunsQueueName(functionName: string): string {
    return `${functionName}-failed-runs`;
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
    watched: Watched;
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
            runtime: LAMBDA_RUNTIME,
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
    const queues = args.onFailure === "own" ? [] : [failedRunsQueue(name, parent, args, fn, role)];
    return {
        function: fn,
        role,
        bundle,
        schedule,
        watched: watched({
            rules: [
                {
                    key: `${args.functionName}-schedule`,
                    ruleName: schedule.name,
                    region,
                    what: `the schedule that runs ${args.functionName}`,
                    deadLetterQueue: false,
                },
            ],
            functions: [
                {
                    key: args.functionName,
                    functionName: args.functionName,
                    region,
                    what: args.what,
                    timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
                    ...(args.concurrency === undefined || args.concurrency === 1
                        ? {}
                        : { throttledPeriods: 3 }),
                },
            ],
            queues,
        }),
    };
}

/**
 * A scheduled run that fails is not retried (the next run is the retry, and a drill or a reconciler run twice
 * over does its work twice) and goes, with its error, to a queue of the function's own instead of being dropped
 * (Lambda developer guide, invocation-async-retain-records: EventBridge invokes asynchronously). SSE-SQS, which
 * needs no key grant for Lambda to send; kept on delete, since DeleteQueue deletes its messages.
 */
function failedRunsQueue(
    name: string,
    parent: pulumi.Resource,
    args: ScheduledFunctionArgs,
    fn: aws.lambda.Function,
    role: aws.iam.Role,
): WatchedQueue {
    const { region } = args;
    const queueName = failedRunsQueueName(args.functionName);
    const queue = new aws.sqs.Queue(
        `${name}-failed-runs`,
        {
            region,
            name: queueName,
            sqsManagedSseEnabled: true,
            messageRetentionSeconds: FAILED_RUNS_RETENTION_SECONDS,
            tags: { "security-governance:purpose": "failed-runs" },
        },
        { parent, retainOnDelete: true },
    );
    // Lambda sends to the destination with the function's execution role (invocation-async-retain-records).
    const send = new aws.iam.RolePolicy(
        `${name}-failed-runs`,
        {
            role: role.name,
            name: "keep-failed-runs",
            policy: queue.arn.apply((arn) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Sid: "KeepFailedRuns", Effect: "Allow", Action: "sqs:SendMessage", Resource: arn },
                    ],
                }),
            ),
        },
        { parent },
    );
    new aws.lambda.FunctionEventInvokeConfig(
        `${name}-on-failure`,
        {
            region,
            functionName: fn.name,
            maximumRetryAttempts: 0,
            destinationConfig: { onFailure: { destination: queue.arn } },
        },
        { parent, dependsOn: [send] },
    );
    return {
        key: queueName,
        queueName,
        region,
        what: `the failed runs of ${args.functionName}`,
        retentionSeconds: FAILED_RUNS_RETENTION_SECONDS,
    };
}
