import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENROLLMENT_FUNCTION_NAME, type EnrollmentSettings } from "../functions/enrollment/run-enrollment";
import { PARTITION } from "../stacks/regions";
import {
    FUNCTION_TIMEOUT_SECONDS,
    logGroupArn,
    ownLogsStatement,
    scheduledFunction,
} from "./scheduled-function";
import type { IdentityPolicyDocument } from "./policy-documents";
import type { Watched } from "./watched";

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
export const ENROLLMENT_TIMEOUT_SECONDS = FUNCTION_TIMEOUT_SECONDS;
/** The deploy-time run is short: `pulumi up` waits for it, and the schedule carries on. */
export const DEPLOY_RUN_SECONDS = 240;
/** Its name, also what `npm run members` reads the deployed settings from. */
export const FUNCTION_NAME = ENROLLMENT_FUNCTION_NAME;

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
    const logGroup = logGroupArn(PARTITION, args.homeRegion, account, FUNCTION_NAME);
    const statements: IdentityPolicyDocument["Statement"] = [
        {
            Sid: "ReadOrganizationAccounts",
            Effect: "Allow",
            // ListAccounts has no resource-level permissions (Service Authorization Reference, Organizations).
            Action: "organizations:ListAccounts",
            Resource: "*",
        },
        ownLogsStatement(logGroup),
    ];
    if ((args.settings.priorityOrganizationalUnits ?? []).length > 0) {
        statements.push({
            Sid: "ReadPriorityOrganizationalUnits",
            Effect: "Allow",
            // Both take an OU or root as resource (Service Authorization Reference, Organizations); an OU's ARN
            // is the management account's: arn:aws:organizations::<management>:ou/o-<org>/ou-<id>. Nested OUs
            // are walked too, so every OU of the organization, not only the configured ones.
            Action: ["organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"],
            Resource: `arn:${PARTITION}:organizations::${args.settings.managementAccountId}:ou/o-*/ou-*`,
        });
    }
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
    /** Its schedule, the function and its failed-runs queue, for the failure alarms. */
    public readonly watched: Watched;

    constructor(name: string, args: EnrollmentFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:enrollment:EnrollmentFunction", name, {}, opts);
        const region = args.homeRegion;
        const settings = JSON.stringify(args.settings);
        const {
            function: fn,
            role,
            bundle,
            watched,
        } = scheduledFunction(name, this, {
            securityAccountId: args.securityAccountId,
            region,
            functionName: FUNCTION_NAME,
            description:
                "Enrolls existing organization accounts into Macie and Detective (security-governance)",
            entry: "enrollment/handler",
            rolePolicy: JSON.stringify(enrollmentRolePolicy({ ...args, homeRegion: region })),
            policyName: "enrollment",
            environment: { ENROLLMENT_SETTINGS: settings },
            schedule: args.schedule ?? "rate(1 hour)",
            logRetentionDays: args.logRetentionDays ?? 365,
            memorySize: 512,
            after: args.after ?? [],
            what: "enrolls the organization's existing accounts into Macie and Detective",
        });
        this.function = fn;
        this.watched = watched;
        this.role = role;
        new aws.lambda.Invocation(
            `${name}-on-deploy`,
            {
                region,
                functionName: fn.name,
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
