import * as pulumi from "@pulumi/pulumi";
import type { CoverageExpectation } from "../functions/coverage/matrix";
import type { CoverageSettings } from "../functions/coverage/scheduled";
import { PARTITION } from "../stacks/regions";
import type { IdentityPolicyDocument } from "./policy-documents";
import type { Watched } from "./watched";
import { logGroupArn, ownLogsStatement, scheduledFunction } from "./scheduled-function";

export const COVERAGE_FUNCTION_NAME = "security-governance-coverage";
/** Key prefix of the coverage reports in the findings bucket. */
export const COVERAGE_PREFIX = "coverage/";
export const COVERAGE_NAMESPACE = "SecurityGovernance/Coverage";

export interface CoverageFunctionArgs {
    securityAccountId: string;
    homeRegion: string;
    expectation: CoverageExpectation;
    /** The findings bucket and its key: the reports are written there, SSE-KMS. */
    bucketName: pulumi.Input<string>;
    bucketKeyArn: pulumi.Input<string>;
    /** The alert topic and its key: a drop in coverage is published there. */
    topicArn: pulumi.Input<string>;
    topicKeyArn: pulumi.Input<string>;
    /** How often the schedule runs it. Default every hour. */
    schedule?: string;
    logRetentionDays?: number;
    after?: pulumi.Resource[];
}

export interface CoverageRoleParams {
    securityAccountId: string;
    homeRegion: string;
    expectation: CoverageExpectation;
    bucketName: string;
    bucketKeyArn: string;
    topicArn: string;
    topicKeyArn: string;
}

/**
 * The coverage function's permissions: read-only on every service it reports on, in the governed regions only;
 * write its reports under coverage/ of the findings bucket with the findings key; publish its own metrics and
 * alerts; write its logs. It can create, update, enable or disable nothing.
 */
export function coverageRolePolicy(params: CoverageRoleParams): IdentityPolicyDocument {
    const { regions } = params.expectation;
    const account = params.securityAccountId;
    const inRegions = (list: readonly string[] | undefined) => ({
        StringEquals: { "aws:RequestedRegion": [...(list ?? [])].sort() },
    });
    const statements: IdentityPolicyDocument["Statement"] = [
        {
            Sid: "ReadOrganizationAccounts",
            Effect: "Allow",
            // ListAccounts has no resource-level permissions (Service Authorization Reference, Organizations).
            Action: "organizations:ListAccounts",
            Resource: "*",
        },
        ...((params.expectation.scopes ?? []).length > 0
            ? [
                  {
                      Sid: "ReadScopedOrganizationalUnits",
                      Effect: "Allow" as const,
                      // As the enrollment function reads priority OUs: OU resources of the management account,
                      // nested OUs included (functions/enrollment/adapters.ts, organizationalUnitTree).
                      Action: [
                          "organizations:ListAccountsForParent",
                          "organizations:ListOrganizationalUnitsForParent",
                      ],
                      Resource: `arn:${PARTITION}:organizations::${params.expectation.managementAccountId}:ou/o-*/ou-*`,
                  },
              ]
            : []),
        ownLogsStatement(logGroupArn(PARTITION, params.homeRegion, account, COVERAGE_FUNCTION_NAME)),
        {
            Sid: "WriteCoverageReports",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: `arn:${PARTITION}:s3:::${params.bucketName}/${COVERAGE_PREFIX}*`,
        },
        {
            // A report is looked for by listing its key: S3 answers a read of a missing key 403 to a role
            // without an unconditioned ListBucket (functions/shared/s3-objects.ts). ListObjectsV2 carries its
            // Prefix as s3:prefix.
            Sid: "FindCoverageReports",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: `arn:${PARTITION}:s3:::${params.bucketName}`,
            Condition: { StringLike: { "s3:prefix": `${COVERAGE_PREFIX}*` } },
        },
        {
            // SSE-KMS: S3 asks for a data key on write and decrypts on read, on the caller's behalf.
            Sid: "EncryptCoverageReports",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: params.bucketKeyArn,
        },
        {
            Sid: "PublishCoverageMetrics",
            Effect: "Allow",
            // PutMetricData has no resource-level permissions; the namespace condition keeps it to its own.
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": COVERAGE_NAMESPACE } },
        },
        {
            Sid: "AlertOnCoverageDrops",
            Effect: "Allow",
            Action: "sns:Publish",
            Resource: params.topicArn,
        },
        {
            // Publishing to an encrypted topic needs the topic key (SNS developer guide, sns-key-management).
            Sid: "EncryptAlerts",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: params.topicKeyArn,
        },
    ];
    const read = (sid: string, actions: string[], list: readonly string[] | undefined) => {
        if ((list ?? []).length > 0) {
            statements.push({
                Sid: sid,
                Effect: "Allow",
                Action: actions,
                Resource: "*",
                Condition: inRegions(list),
            });
        }
    };
    read(
        "ReadGuardDutyMembers",
        ["guardduty:ListDetectors", "guardduty:ListMembers", "guardduty:GetMemberDetectors"],
        regions.guardduty,
    );
    read("ReadSecurityHubMembers", ["securityhub:ListMembers"], regions.securityhub);
    const central = params.expectation.securityHubPolicy;
    if (central !== undefined && (regions.securityhub ?? []).includes(central.region)) {
        // Which configuration policy applies to each account, in the home region only.
        read(
            "ReadSecurityHubPolicies",
            ["securityhub:ListConfigurationPolicies", "securityhub:ListConfigurationPolicyAssociations"],
            [central.region],
        );
    }
    read("ReadMacieMembers", ["macie2:ListMembers"], regions.macie);
    read("FindDetectiveGraph", ["detective:ListGraphs"], regions.detective);
    if ((regions.detective ?? []).length > 0) {
        statements.push({
            Sid: "ReadDetectiveMembers",
            Effect: "Allow",
            Action: "detective:ListMembers",
            Resource: [...(regions.detective ?? [])]
                .sort()
                .map((region) => `arn:${PARTITION}:detective:${region}:${account}:graph:*`),
        });
    }
    read("ReadInspectorStatus", ["inspector2:BatchGetAccountStatus"], regions.inspector);
    // Config.1 findings of every region, read from the home region's aggregated findings.
    if ((regions.config ?? []).length > 0)
        read("ReadConfigRecording", ["securityhub:GetFindings"], [params.homeRegion]);
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The coverage reader (functions/coverage), run hourly in the security account's home region: it refreshes
 * the stalest rows of the service x region x account matrix first, leaves the matrix in the findings bucket
 * (coverage/latest.json and dated copies), publishes CoverageAccounts metrics and alerts the topic when a row
 * covers fewer accounts than before. No member account is in its inputs or the Pulumi state.
 */
export class CoverageFunction extends pulumi.ComponentResource {
    /** Its schedule, the function and its failed-runs queue, for the failure alarms. */
    public readonly watched: Watched;

    constructor(name: string, args: CoverageFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:coverage:CoverageFunction", name, {}, opts);
        const resolved = pulumi
            .all([args.bucketName, args.bucketKeyArn, args.topicArn, args.topicKeyArn])
            .apply(([bucketName, bucketKeyArn, topicArn, topicKeyArn]) => ({
                bucketName,
                bucketKeyArn,
                topicArn,
                topicKeyArn,
            }));
        const settings = resolved.apply((r): CoverageSettings => ({
            expectation: args.expectation,
            publish: {
                bucket: r.bucketName,
                prefix: COVERAGE_PREFIX,
                kmsKeyArn: r.bucketKeyArn,
                topicArn: r.topicArn,
                namespace: COVERAGE_NAMESPACE,
            },
        }));
        this.watched = scheduledFunction(name, this, {
            securityAccountId: args.securityAccountId,
            region: args.homeRegion,
            functionName: COVERAGE_FUNCTION_NAME,
            description:
                "Reads which accounts every security service covers, read-only (security-governance)",
            entry: "coverage/handler",
            rolePolicy: resolved.apply((r) =>
                JSON.stringify(
                    coverageRolePolicy({
                        securityAccountId: args.securityAccountId,
                        homeRegion: args.homeRegion,
                        expectation: args.expectation,
                        ...r,
                    }),
                ),
            ),
            policyName: "coverage",
            environment: { COVERAGE_SETTINGS: settings.apply((s) => JSON.stringify(s)) },
            schedule: args.schedule ?? "rate(1 hour)",
            logRetentionDays: args.logRetentionDays ?? 365,
            memorySize: 1024,
            after: args.after ?? [],
            what: "reads which accounts every service covers and reports it hourly",
        }).watched;
        this.registerOutputs({});
    }
}
