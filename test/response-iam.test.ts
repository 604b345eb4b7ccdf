import { strict as assert } from "node:assert";
import { responderRolePolicy } from "../components/response-function";
import {
    MEMBER_ROLE_NAME,
    memberRolePolicy,
    memberRoleTrustPolicy,
} from "../components/response-member-role";
import { alertKeyPolicy } from "../components/alert-topic";
import {
    exportKeyPolicy,
    type IdentityPolicyDocument,
    type PolicyDocument,
} from "../components/policy-documents";
import { REMEDIATION_ACTIONS } from "../stacks/remediation";
import { simulate, type Decision } from "./helpers/iam";

/*
 * Least privilege of the response path, by IAM simulation (@cloud-copilot/iam-simulate, Strict): the responder's
 * own role, the member role's trust policy and the member role's permissions, each rendered by the same
 * functions the plan uses.
 */

const SECURITY = "222222222222";
const MANAGEMENT = "111111111111";
const MEMBER = "444444444444";
const OTHER = "555555555555";
const ORG = "o-a1b2c3d4e5";
const HOME = "eu-west-1";
const BUCKET = `security-governance-findings-${SECURITY}-${HOME}`;
const BUCKET_KEY = `arn:aws:kms:${HOME}:${SECURITY}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TOPIC = `arn:aws:sns:${HOME}:${SECURITY}:security-findings`;
const TOPIC_KEY = `arn:aws:kms:${HOME}:${SECURITY}:key/5678abcd-12ab-34cd-56ef-1234567890ab`;
const RESPONDER = `arn:aws:iam::${SECURITY}:role/security-governance-responder-${HOME}`;
const MEMBER_ROLE = (account: string) => `arn:aws:iam::${account}:role/${MEMBER_ROLE_NAME}`;

function responder(readsOrganizationalUnits = false): IdentityPolicyDocument {
    return responderRolePolicy({
        securityAccountId: SECURITY,
        managementAccountId: MANAGEMENT,
        homeRegion: HOME,
        bucketName: BUCKET,
        bucketKeyArn: BUCKET_KEY,
        topicArn: TOPIC,
        topicKeyArn: TOPIC_KEY,
        readsOrganizationalUnits,
    });
}

async function asResponder(
    action: string,
    resource: string,
    options: {
        policy?: IdentityPolicyDocument;
        context?: Record<string, string>;
        account?: string;
        resourcePolicy?: PolicyDocument;
    } = {},
): Promise<Decision> {
    const outcome = await simulate(
        {
            principal: RESPONDER,
            action,
            resource,
            resourceAccount: options.account ?? SECURITY,
            context: options.context ?? {},
            identityPolicies: [{ name: "respond", policy: options.policy ?? responder() }],
        },
        options.resourcePolicy ?? KEY_POLICIES[resource],
    );
    return outcome.decision;
}

/** A KMS key decides with its own key policy: the findings key's and the alert key's, as the plan renders them. */
const KEY_POLICIES: Record<string, PolicyDocument> = {
    [BUCKET_KEY]: exportKeyPolicy({
        securityAccountId: SECURITY,
        regions: [HOME],
        services: ["guardduty", "macie"],
    }),
    [TOPIC_KEY]: alertKeyPolicy(SECURITY),
};

/** The member role's trust policy, as the StackSet's template renders it. */
const TRUST: PolicyDocument = memberRoleTrustPolicy({
    partition: "aws",
    securityAccountId: SECURITY,
    responderRoleArn: RESPONDER,
    organizationId: ORG,
}) as unknown as PolicyDocument;
const IN_ORG = { "aws:PrincipalOrgID": ORG, "aws:PrincipalArn": RESPONDER, "aws:PrincipalAccount": SECURITY };

/*
 * Organizations resources have no resource policy; a delegated administrator's call is judged by its own
 * identity policy, so these are simulated as the security account's requests.
 */
const ORG_RESOURCE_ACCOUNT = SECURITY;

describe("the responder's role, in IAM simulation", () => {
    it("may assume the member role in any account, keep its records, tell the topic", async () => {
        for (const [action, resource, account] of [
            [
                "s3:PutObject",
                `arn:aws:s3:::${BUCKET}/responses/decisions/2026-12-01/f/blockRemoteAddress-act-e.json`,
                SECURITY,
            ],
            [
                "s3:GetObject",
                `arn:aws:s3:::${BUCKET}/responses/done/${MEMBER}/f/blockRemoteAddress-act.json`,
                SECURITY,
            ],
            [
                "s3:DeleteObject",
                `arn:aws:s3:::${BUCKET}/responses/blocks/${MEMBER}/us-east-1/acl-1-1-in.json`,
                SECURITY,
            ],
            ["kms:GenerateDataKey", BUCKET_KEY, SECURITY],
            ["sns:Publish", TOPIC, SECURITY],
            ["kms:GenerateDataKey", TOPIC_KEY, SECURITY],
        ]) {
            assert.equal(
                await asResponder(action, resource, { account }),
                "Allowed",
                `${action} ${resource}`,
            );
        }
        assert.equal(
            await asResponder("s3:ListBucket", `arn:aws:s3:::${BUCKET}`, {
                context: { "s3:prefix": "responses/blocks/" },
            }),
            "Allowed",
        );
        // Cross-account: the member role's trust policy must agree.
        assert.equal(
            await asResponder("sts:AssumeRole", MEMBER_ROLE(MEMBER), {
                account: MEMBER,
                resourcePolicy: TRUST,
                context: IN_ORG,
            }),
            "Allowed",
        );
    });

    it("may not assume other roles, touch findings or other records, or read the OU tree unless OUs are exempt", async () => {
        for (const [action, resource, account] of [
            ["sts:AssumeRole", `arn:aws:iam::${SECURITY}:role/OrganizationAccountAccessRole`, SECURITY],
            ["sts:AssumeRole", `arn:aws:iam::${SECURITY}:role/admin`, SECURITY],
            [
                "s3:PutObject",
                `arn:aws:s3:::${BUCKET}/guardduty/AWSLogs/${MEMBER}/GuardDuty/forged.jsonl.gz`,
                SECURITY,
            ],
            [
                "s3:GetObject",
                `arn:aws:s3:::${BUCKET}/guardduty/AWSLogs/${MEMBER}/GuardDuty/finding.jsonl.gz`,
                SECURITY,
            ],
            ["s3:DeleteObject", `arn:aws:s3:::${BUCKET}/responses/decisions/2026-12-01/f/x.json`, SECURITY],
            [
                "s3:DeleteObject",
                `arn:aws:s3:::${BUCKET}/responses/done/${MEMBER}/f/blockRemoteAddress-act.json`,
                SECURITY,
            ],
            ["s3:PutBucketPolicy", `arn:aws:s3:::${BUCKET}`, SECURITY],
            ["kms:ScheduleKeyDeletion", BUCKET_KEY, SECURITY],
            ["sns:Publish", `arn:aws:sns:${HOME}:${SECURITY}:other`, SECURITY],
            [
                "organizations:ListParents",
                `arn:aws:organizations::${MANAGEMENT}:account/${ORG}/${MEMBER}`,
                ORG_RESOURCE_ACCOUNT,
            ],
        ]) {
            assert.notEqual(
                await asResponder(action, resource, { account }),
                "Allowed",
                `${action} ${resource}`,
            );
        }
        assert.notEqual(
            await asResponder("s3:ListBucket", `arn:aws:s3:::${BUCKET}`, {
                context: { "s3:prefix": "guardduty/" },
            }),
            "Allowed",
        );
        const withOus = responder(true);
        assert.equal(
            await asResponder(
                "organizations:ListParents",
                `arn:aws:organizations::${MANAGEMENT}:account/${ORG}/${MEMBER}`,
                {
                    policy: withOus,
                    account: ORG_RESOURCE_ACCOUNT,
                },
            ),
            "Allowed",
        );
        assert.equal(
            await asResponder(
                "organizations:ListParents",
                `arn:aws:organizations::${MANAGEMENT}:ou/${ORG}/ou-ab12-sandbox1`,
                {
                    policy: withOus,
                    account: ORG_RESOURCE_ACCOUNT,
                },
            ),
            "Allowed",
        );
        assert.notEqual(
            await asResponder(
                "organizations:MoveAccount",
                `arn:aws:organizations::${MANAGEMENT}:account/${ORG}/${MEMBER}`,
                {
                    policy: withOus,
                    account: ORG_RESOURCE_ACCOUNT,
                },
            ),
            "Allowed",
        );
    });
});

describe("the member role, in IAM simulation", () => {
    const trust = TRUST;

    async function assume(principal: string, orgId: string): Promise<Decision> {
        const account = principal.split(":")[4];
        const outcome = await simulate(
            {
                principal,
                action: "sts:AssumeRole",
                resource: MEMBER_ROLE(MEMBER),
                resourceAccount: MEMBER,
                context: {
                    "aws:PrincipalOrgID": orgId,
                    "aws:PrincipalArn": principal,
                    "aws:PrincipalAccount": account,
                },
                identityPolicies: [
                    {
                        name: "assume",
                        policy: {
                            Version: "2012-10-17",
                            Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }],
                        },
                    },
                ],
            },
            trust,
        );
        return outcome.decision;
    }

    it("trusts only the responder's role, and only from within the organization", async () => {
        assert.equal(await assume(RESPONDER, ORG), "Allowed");
        assert.notEqual(
            await assume(`arn:aws:iam::${SECURITY}:role/security-governance-coverage-${HOME}`, ORG),
            "Allowed",
        );
        assert.notEqual(await assume(`arn:aws:iam::${SECURITY}:role/Administrator`, ORG), "Allowed");
        assert.notEqual(await assume(RESPONDER, "o-zzzzzzzzzz"), "Allowed");
        assert.notEqual(
            await assume(`arn:aws:iam::${OTHER}:role/security-governance-responder-${HOME}`, ORG),
            "Allowed",
        );
    });

    const all = memberRolePolicy({
        partition: "aws",
        account: MEMBER,
        actions: REMEDIATION_ACTIONS,
        stopInstance: true,
    });

    async function asMember(
        action: string,
        resource: string,
        context: Record<string, string> = {},
        policy: IdentityPolicyDocument = all,
    ): Promise<Decision> {
        const outcome = await simulate({
            principal: MEMBER_ROLE(MEMBER),
            action,
            resource,
            resourceAccount: MEMBER,
            context,
            identityPolicies: [{ name: "respond", policy }],
        });
        return outcome.decision;
    }
    const ec2 = (type: string, id: string) => `arn:aws:ec2:us-east-1:${MEMBER}:${type}/${id}`;
    const quarantine = { "aws:ResourceTag/security-governance:purpose": "quarantine" };

    it("may make each rung's calls, on the member's own resources", async () => {
        for (const [action, resource, context] of [
            ["ec2:CreateNetworkAclEntry", ec2("network-acl", "acl-1"), {}],
            ["ec2:DeleteNetworkAclEntry", ec2("network-acl", "acl-1"), {}],
            ["ec2:CreateSecurityGroup", ec2("vpc", "vpc-1"), {}],
            [
                "ec2:CreateSecurityGroup",
                ec2("security-group", "sg-1"),
                { "aws:RequestTag/security-governance:purpose": "quarantine" },
            ],
            ["ec2:RevokeSecurityGroupEgress", ec2("security-group", "sg-1"), quarantine],
            ["ec2:ModifyNetworkInterfaceAttribute", ec2("network-interface", "eni-1"), {}],
            ["ec2:ModifyNetworkInterfaceAttribute", ec2("security-group", "sg-1"), quarantine],
            ["ec2:CreateSnapshots", ec2("instance", "i-1"), {}],
            ["ec2:CreateSnapshots", `arn:aws:ec2:us-east-1::snapshot/snap-1`, {}],
            [
                "ec2:CreateTags",
                `arn:aws:ec2:us-east-1::snapshot/snap-1`,
                { "ec2:CreateAction": "CreateSnapshots" },
            ],
            ["ec2:CreateTags", ec2("instance", "i-1"), { "aws:TagKeys": "security-governance:finding" }],
            [
                "ec2:StopInstances",
                ec2("instance", "i-1"),
                { "aws:ResourceTag/security-governance:finding": "f-1" },
            ],
            ["iam:UpdateAccessKey", `arn:aws:iam::${MEMBER}:user/alice`, {}],
            ["iam:PutRolePolicy", `arn:aws:iam::${MEMBER}:role/app`, {}],
            ["s3:PutBucketPublicAccessBlock", "arn:aws:s3:::member-bucket", {}],
        ] as const) {
            assert.equal(await asMember(action, resource, context), "Allowed", `${action} ${resource}`);
        }
    });

    it("may not widen access, destroy, rewrite itself, or touch groups and instances it did not mark", async () => {
        for (const [action, resource, context] of [
            ["ec2:RevokeSecurityGroupEgress", ec2("security-group", "sg-app"), {}],
            ["ec2:AuthorizeSecurityGroupIngress", ec2("security-group", "sg-1"), quarantine],
            ["ec2:ModifyNetworkInterfaceAttribute", ec2("security-group", "sg-app"), {}],
            ["ec2:CreateSecurityGroup", ec2("security-group", "sg-1"), {}],
            ["ec2:StopInstances", ec2("instance", "i-1"), {}],
            ["ec2:TerminateInstances", ec2("instance", "i-1"), {}],
            ["ec2:DeleteSnapshot", `arn:aws:ec2:us-east-1::snapshot/snap-1`, {}],
            ["ec2:CreateTags", ec2("instance", "i-1"), { "aws:TagKeys": "Name" }],
            ["ec2:ReplaceNetworkAclEntry", ec2("network-acl", "acl-1"), {}],
            ["iam:PutRolePolicy", MEMBER_ROLE(MEMBER), {}],
            ["iam:UpdateAssumeRolePolicy", MEMBER_ROLE(MEMBER), {}],
            ["iam:CreateAccessKey", `arn:aws:iam::${MEMBER}:user/alice`, {}],
            ["iam:DeleteUser", `arn:aws:iam::${MEMBER}:user/alice`, {}],
            ["iam:AttachRolePolicy", `arn:aws:iam::${MEMBER}:role/app`, {}],
            ["s3:PutBucketPolicy", "arn:aws:s3:::member-bucket", {}],
            ["s3:GetObject", "arn:aws:s3:::member-bucket/data.csv", {}],
            ["s3:DeleteBucket", "arn:aws:s3:::member-bucket", {}],
            ["guardduty:DeleteDetector", "*", {}],
        ] as const) {
            assert.notEqual(await asMember(action, resource, context), "Allowed", `${action} ${resource}`);
        }
    });

    it("grants nothing for a rung that only notifies, and stopping only when stopInstance is set", async () => {
        const blockOnly = memberRolePolicy({
            partition: "aws",
            account: MEMBER,
            actions: ["blockRemoteAddress"],
            stopInstance: true,
        });
        assert.equal(
            await asMember("ec2:CreateNetworkAclEntry", ec2("network-acl", "acl-1"), {}, blockOnly),
            "Allowed",
        );
        for (const [action, resource] of [
            ["ec2:CreateSnapshots", ec2("instance", "i-1")],
            ["iam:UpdateAccessKey", `arn:aws:iam::${MEMBER}:user/alice`],
            ["s3:PutBucketPublicAccessBlock", "arn:aws:s3:::member-bucket"],
        ] as const) {
            assert.notEqual(await asMember(action, resource, {}, blockOnly), "Allowed", action);
        }
        const noStop = memberRolePolicy({
            partition: "aws",
            account: MEMBER,
            actions: ["isolateInstance"],
            stopInstance: false,
        });
        assert.notEqual(
            await asMember(
                "ec2:StopInstances",
                ec2("instance", "i-1"),
                { "aws:ResourceTag/security-governance:finding": "f-1" },
                noStop,
            ),
            "Allowed",
        );
        assert.deepEqual(
            memberRolePolicy({ partition: "aws", account: MEMBER, actions: [], stopInstance: true })
                .Statement,
            [],
        );
    });
});
