import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { EnrollmentSettings } from "../functions/enrollment/run-enrollment";
import { PARTITION } from "../stacks/regions";
import { bundleFunction } from "./function-bundle";
import type { IdentityPolicyDocument } from "./policy-documents";

export interface EnrollmentFunctionArgs {
    /** The security account, where the function runs. */
    securityAccountId: string;
    /** Where the function, its schedule and its logs live. */
    homeRegion: string;
    /** What the function reconciles: services, regions, quotas, priorities. No member account is listed. */
    settings: EnrollmentSettings;
    /** How often the schedule runs it (an EventBridge schedule expression). Default every hour. */
    schedule?: string;
    /** Days its logs (each run's report) are kept. Default 365. */
    logRetentionDays?: number;
    /** What the function waits for: the services' organization settings, which it enrolls members under. */
    after?: pulumi.Resource[];
}

/** Lambda's limit: a run must fit in 15 minutes (aws-gotchas 15). */
export const ENROLLMENT_TIMEOUT_SECONDS = 900;
/** The deploy-time run is short: `pulumi up` waits for it, and the schedule carries on. */
export const DEPLOY_RUN_SECONDS = 240;
export const FUNCTION_NAME = "security-governance-enrollment";

/**
 * The execution role's permissions, and nothing else: read the organization's accounts, read and create Macie
 * and Detective members in the governed regions, write its own logs. It cannot remove, disassociate or disable
 * anything: removing members is a separate, explicit command run with the user's own credentials.
 */
export function enrollmentRolePolicy(args: {
    securityAccountId: string;
    homeRegion: string;
    settings: EnrollmentSettings;
}): IdentityPolicyDocument {
    const account = args.securityAccountId;
    const macie = args.settings.regions.macie ?? [];
    const detective = args.settings.regions.detective ?? [];
    const logGroup = `arn:${PARTITION}:logs:${args.homeRegion}:${account}:log-group:/aws/lambda/${FUNCTION_NAME}`;
    const statements: IdentityPolicyDocument["Statement"] = [
        {
            Sid: "ReadOrganizationAccounts",
            Effect: "Allow",
            // ListAccounts has no resource-level permissions (Service Authorization Reference, Organizations).
            Action: "organizations:ListAccounts",
            Resource: "*",
        },
        {
            Sid: "WriteOwnLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${logGroup}:*`,
        },
    ];
    if (macie.length > 0) {
        statements.push({
            Sid: "EnrollMacieMembers",
            Effect: "Allow",
            Action: ["macie2:ListMembers", "macie2:CreateMember"],
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": [...macie].sort() } },
        });
    }
    if (detective.length > 0) {
        statements.push(
            {
                Sid: "FindDetectiveGraph",
                Effect: "Allow",
                Action: "detective:ListGraphs",
                Resource: "*",
                Condition: { StringEquals: { "aws:RequestedRegion": [...detective].sort() } },
            },
            {
                Sid: "EnrollDetectiveMembers",
                Effect: "Allow",
                Action: ["detective:ListMembers", "detective:CreateMembers"],
                Resource: [...detective]
                    .sort()
                    .map((region) => `arn:${PARTITION}:detective:${region}:${account}:graph:*`),
            },
        );
    }
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The enrollment reconciler (functions/enrollment): a Lambda in the security account's home region, run by an
 * EventBridge schedule and once on deploy whenever its code or settings change. It enrolls the organization's
 * existing accounts into Macie and Detective, which auto-enable reaches for new accounts only (aws-gotchas 4).
 * Nothing about member accounts is in its inputs or the Pulumi state; each run's report is in its logs.
 * Destroying it stops enrollment and changes no member.
 */
export class EnrollmentFunction extends pulumi.ComponentResource {
    public readonly function: aws.lambda.Function;
    public readonly role: aws.iam.Role;

    constructor(name: string, args: EnrollmentFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:enrollment:EnrollmentFunction", name, {}, opts);
        const region = args.homeRegion;
        const bundle = bundleFunction("enrollment/handler");
        const settings = JSON.stringify(args.settings);

        const logs = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { region, name: `/aws/lambda/${FUNCTION_NAME}`, retentionInDays: args.logRetentionDays ?? 365 },
            { parent: this },
        );
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: `${FUNCTION_NAME}-${region}`,
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
            { parent: this },
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-permissions`,
            {
                role: this.role.name,
                name: "enrollment",
                policy: JSON.stringify(enrollmentRolePolicy({ ...args, homeRegion: region })),
            },
            { parent: this },
        );
        this.function = new aws.lambda.Function(
            `${name}-function`,
            {
                region,
                name: FUNCTION_NAME,
                description:
                    "Enrolls existing organization accounts into Macie and Detective (security-governance)",
                runtime: aws.lambda.Runtime.NodeJS24dX,
                handler: "index.handler",
                role: this.role.arn,
                code: new pulumi.asset.AssetArchive({
                    "index.js": new pulumi.asset.StringAsset(bundle.code),
                }),
                sourceCodeHash: Buffer.from(bundle.sha256, "hex").toString("base64"),
                timeout: ENROLLMENT_TIMEOUT_SECONDS,
                memorySize: 512,
                // One run at a time: two overlapping runs would enroll the same accounts twice.
                reservedConcurrentExecutions: 1,
                environment: { variables: { ENROLLMENT_SETTINGS: settings } },
                loggingConfig: { logFormat: "Text", logGroup: logs.name },
            },
            { parent: this, dependsOn: [policy, logs, ...(args.after ?? [])] },
        );
        const schedule = new aws.cloudwatch.EventRule(
            `${name}-schedule`,
            {
                region,
                name: `${FUNCTION_NAME}-schedule`,
                description: "Runs the enrollment reconciler (security-governance)",
                scheduleExpression: args.schedule ?? "rate(1 hour)",
            },
            { parent: this },
        );
        const permission = new aws.lambda.Permission(
            `${name}-schedule-permission`,
            {
                region,
                action: "lambda:InvokeFunction",
                function: this.function.name,
                principal: "events.amazonaws.com",
                sourceArn: schedule.arn,
            },
            { parent: this },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-schedule-target`,
            { region, rule: schedule.name, arn: this.function.arn },
            { parent: this, dependsOn: [permission] },
        );
        new aws.lambda.Invocation(
            `${name}-on-deploy`,
            {
                region,
                functionName: this.function.name,
                input: JSON.stringify({ maxSeconds: DEPLOY_RUN_SECONDS }),
                // Invoked again whenever the code or the settings change, i.e. when a deploy changes what the
                // reconciler does; the schedule covers everything else.
                triggers: { code: bundle.sha256, settings },
            },
            { parent: this },
        );
        this.registerOutputs({ functionName: this.function.name });
    }
}
