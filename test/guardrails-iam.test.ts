import { strict as assert } from "node:assert";
import type { PolicyDocument } from "../components/policy-documents";
import type { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import {
    BREAK_GLASS,
    BUCKET,
    DEPLOYER,
    configWorld,
    guardrailWorld,
    HOME,
    MANAGEMENT,
    MEMBER,
    MEMBER_ADMIN,
    ORG_ROOT,
    OUTSIDE,
    SECURITY,
    SECURITY_ANALYST,
    type Call,
    type GuardrailWorld,
} from "./helpers/guardrails";
import { allowEverything, simulate, sseKms, TLS } from "./helpers/iam";
import { findingsKey, ofType, plan, single } from "./helpers/plan";

/*
 * The guardrails as `npm run plan -- --stack prod` attaches them (Pulumi.prod.yaml: root target, two deployers,
 * one break-glass role), evaluated by IAM simulation (@cloud-copilot/iam-simulate, Strict) with the SCPs and
 * the RCP in force where the plan attaches them: the detection and footing SCPs on the root, the security
 * account's two SCPs and the RCP on the security account. Every caller has administrator rights in its own account, the most a
 * member account can grant itself: whatever is denied here is denied by the guardrails.
 */

let planned: PlanDocument;
let organizationId: string;
let world: GuardrailWorld;
const content = (name: string) => world.content(name);
const targetsOf = (name: string) => world.targetsOf(name);
const decide = (call: Call) => world.decide(call);

function inputOf(resource: PlannedResource, key: string): PolicyDocument {
    return JSON.parse(String(resource.inputs[key])) as PolicyDocument;
}

describe("guardrails: IAM simulation of the planned SCPs and RCP (prod)", function () {
    this.timeout(300_000);

    before(async () => {
        planned = await plan("prod");
        world = guardrailWorld(planned);
        organizationId = world.organizationId;
    });

    it("attaches the detection and footing SCPs to the root and the other three to the security account", () => {
        assert.deepEqual(targetsOf("guardrails-detection"), [ORG_ROOT]);
        assert.deepEqual(targetsOf("guardrails-footing"), [ORG_ROOT]);
        assert.deepEqual(targetsOf("guardrails-security-account"), [SECURITY]);
        assert.deepEqual(targetsOf("guardrails-security-functions"), [SECURITY]);
        assert.deepEqual(targetsOf("guardrails-perimeter"), [SECURITY]);
    });

    // The ways the issue names of switching detection off or blinding it, written out here, not read from the
    // policy: a name missing from the SCP fails this test.
    const SWITCH_OFF = [
        "guardduty:DeleteDetector",
        "guardduty:UpdateDetector",
        "guardduty:DisassociateFromAdministratorAccount",
        "guardduty:DisassociateFromMasterAccount",
        "guardduty:CreateFilter",
        "guardduty:UpdateFilter",
        "guardduty:CreateIPSet",
        "guardduty:UpdateIPSet",
        "guardduty:CreateThreatIntelSet",
        "guardduty:UpdateThreatIntelSet",
        "guardduty:DeletePublishingDestination",
        "securityhub:DisableSecurityHub",
        "securityhub:DisableSecurityHubV2",
        "securityhub:DisassociateFromAdministratorAccount",
        "securityhub:BatchDisableStandards",
        "macie2:DisableMacie",
        "macie2:UpdateMacieSession",
        "macie2:DisassociateFromAdministratorAccount",
        "detective:DisassociateMembership",
        "inspector2:Disable",
        "inspector2:DisassociateMember",
        "organizations:LeaveOrganization",
    ];

    it("denies a member account's administrator every way of switching detection off or blinding it", async () => {
        for (const action of SWITCH_OFF) {
            assert.equal(await decide({ principal: MEMBER_ADMIN, action }), "ExplicitlyDenied", action);
        }
    });

    it("denies the security account's own non-exempt roles the same", async () => {
        for (const action of [
            "guardduty:DeleteDetector",
            "securityhub:DisableSecurityHub",
            "guardduty:CreateFilter",
        ]) {
            assert.equal(await decide({ principal: SECURITY_ANALYST, action }), "ExplicitlyDenied", action);
        }
    });

    it("leaves ordinary work in a member account untouched", async () => {
        const ordinary: Call[] = [
            { principal: MEMBER_ADMIN, action: "ec2:RunInstances" },
            {
                principal: MEMBER_ADMIN,
                action: "iam:CreateRole",
                resource: `arn:aws:iam::${MEMBER}:role/app`,
            },
            {
                principal: MEMBER_ADMIN,
                action: "lambda:UpdateFunctionCode",
                resource: `arn:aws:lambda:${HOME}:${MEMBER}:function:security-governance-app`,
            },
            {
                principal: MEMBER_ADMIN,
                action: "s3:PutObject",
                resource: `arn:aws:s3:::app-bucket-${MEMBER}/x`,
            },
            { principal: MEMBER_ADMIN, action: "guardduty:ListDetectors" },
            { principal: MEMBER_ADMIN, action: "guardduty:GetFindings" },
            { principal: MEMBER_ADMIN, action: "guardduty:ArchiveFindings" },
            { principal: MEMBER_ADMIN, action: "securityhub:GetFindings" },
            { principal: MEMBER_ADMIN, action: "securityhub:BatchUpdateFindings" },
            { principal: MEMBER_ADMIN, action: "inspector2:ListFindings" },
            { principal: MEMBER_ADMIN, action: "macie2:GetFindings" },
            { principal: MEMBER_ADMIN, action: "detective:ListGraphs" },
        ];
        for (const call of ordinary) {
            assert.equal(await decide(call), "Allowed", `${call.action} on ${call.resource ?? "*"}`);
        }
    });

    it("lets the deployer and the break-glass role govern", async () => {
        for (const principal of [DEPLOYER, BREAK_GLASS]) {
            for (const action of SWITCH_OFF.filter((a) => !a.startsWith("organizations:"))) {
                assert.equal(await decide({ principal, action }), "Allowed", `${principal} ${action}`);
            }
            const stackOwned: Call[] = [
                { principal, action: "s3:PutBucketPolicy", resource: `arn:aws:s3:::${BUCKET}` },
                {
                    principal,
                    action: "s3:PutObject",
                    resource: `arn:aws:s3:::${BUCKET}/guardduty-lists/trusted/a.txt`,
                },
                {
                    principal,
                    action: "lambda:UpdateFunctionCode",
                    resource: `arn:aws:lambda:${HOME}:${SECURITY}:function:security-governance-responder`,
                },
                {
                    principal,
                    action: "events:PutRule",
                    resource: `arn:aws:events:eu-west-1:${SECURITY}:rule/finding-alerts-eu-west-1-1a2b3c4`,
                },
            ];
            for (const call of stackOwned)
                assert.equal(await decide(call), "Allowed", `${principal} ${call.action}`);
        }
    });

    /** A team's own key, whose policy lets the account's IAM policies decide (the KMS default key policy). */
    const ACCOUNT_KEY_POLICY: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "Account",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${SECURITY}:root` },
                Action: "kms:*",
                Resource: "*",
            },
        ],
    };
    const KEY = (id: string) => `arn:aws:kms:${HOME}:${SECURITY}:key/${id}`;
    const tagged = (purpose: string) => ({ "aws:ResourceTag/Purpose": purpose });

    it("keeps what the stack owns in the security account out of a non-exempt role's reach", async () => {
        const tampering: Call[] = [
            { principal: SECURITY_ANALYST, action: "s3:DeleteBucket", resource: `arn:aws:s3:::${BUCKET}` },
            { principal: SECURITY_ANALYST, action: "s3:PutBucketPolicy", resource: `arn:aws:s3:::${BUCKET}` },
            {
                principal: SECURITY_ANALYST,
                action: "s3:PutLifecycleConfiguration",
                resource: `arn:aws:s3:::${BUCKET}`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "s3:DeleteObjectVersion",
                resource: `arn:aws:s3:::${BUCKET}/guardduty/AWSLogs/${MEMBER}/GuardDuty/${HOME}/f.jsonl.gz`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "s3:PutObject",
                resource: `arn:aws:s3:::${BUCKET}/guardduty-lists/trusted/trusted-ips-0.txt`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "kms:ScheduleKeyDeletion",
                resource: KEY("1111"),
                context: tagged("security-findings-export"),
            },
            {
                principal: SECURITY_ANALYST,
                action: "kms:PutKeyPolicy",
                resource: KEY("2222"),
                context: tagged("security-finding-alerts"),
            },
            {
                principal: SECURITY_ANALYST,
                action: "sns:DeleteTopic",
                resource: `arn:aws:sns:${HOME}:${SECURITY}:finding-alerts-topic-1a2b3c4`,
                context: tagged("security-finding-alerts"),
            },
            {
                principal: SECURITY_ANALYST,
                action: "events:DisableRule",
                resource: `arn:aws:events:eu-west-1:${SECURITY}:rule/finding-alerts-eu-west-1-1a2b3c4`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "lambda:PutFunctionConcurrency",
                resource: `arn:aws:lambda:${HOME}:${SECURITY}:function:security-governance-enrollment`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "iam:PutRolePolicy",
                resource: `arn:aws:iam::${SECURITY}:role/security-governance-responder-${HOME}`,
            },
            { principal: SECURITY_ANALYST, action: "iam:UpdateAssumeRolePolicy", resource: DEPLOYER },
            {
                principal: `arn:aws:iam::${SECURITY}:role/security-governance-responder-${HOME}`,
                action: "s3:DeleteObject",
                resource: `arn:aws:s3:::${BUCKET}/responses/decisions/2026-12-02/f1/blockRemoteAddress.json`,
            },
        ];
        for (const call of tampering) {
            assert.equal(await decide(call), "ExplicitlyDenied", `${call.action} on ${call.resource}`);
        }
    });

    it("leaves the security account's other work alone: reading findings, the functions' own records, other keys", async () => {
        const work: Call[] = [
            {
                principal: SECURITY_ANALYST,
                action: "s3:GetObject",
                resource: `arn:aws:s3:::${BUCKET}/guardduty/AWSLogs/${MEMBER}/GuardDuty/${HOME}/f.jsonl.gz`,
            },
            {
                principal: `arn:aws:iam::${SECURITY}:role/security-governance-responder-${HOME}`,
                action: "s3:DeleteObject",
                resource: `arn:aws:s3:::${BUCKET}/responses/blocks/${MEMBER}/acl-1.json`,
            },
            {
                principal: `arn:aws:iam::${SECURITY}:role/security-governance-responder-${HOME}`,
                action: "s3:PutObject",
                resource: `arn:aws:s3:::${BUCKET}/responses/decisions/2026-12-02/f1/blockRemoteAddress.json`,
            },
            {
                principal: `arn:aws:iam::${SECURITY}:role/security-governance-coverage-${HOME}`,
                action: "s3:PutObject",
                resource: `arn:aws:s3:::${BUCKET}/coverage/latest.json`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "kms:ScheduleKeyDeletion",
                resource: KEY("3333"),
                context: tagged("app"),
                resourcePolicy: ACCOUNT_KEY_POLICY,
            },
            {
                principal: SECURITY_ANALYST,
                action: "kms:Decrypt",
                resource: KEY("1111"),
                context: tagged("security-findings-export"),
                resourcePolicy: ACCOUNT_KEY_POLICY,
            },
            {
                principal: SECURITY_ANALYST,
                action: "events:PutRule",
                resource: `arn:aws:events:${HOME}:${SECURITY}:rule/team-rule`,
            },
        ];
        for (const call of work) {
            assert.equal(
                await decide(call),
                "Allowed",
                `${call.principal} ${call.action} on ${call.resource}`,
            );
        }
    });

    describe("the findings perimeter (RCP)", () => {
        let bucketPolicy: PolicyDocument;
        let keyPolicy: PolicyDocument;
        let keyArn: string;
        /** What a careless edit could leave: a bucket policy that lets anyone read. */
        const OPEN: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "Open",
                    Effect: "Allow",
                    Principal: "*",
                    Action: ["s3:GetObject", "s3:PutObject"],
                    Resource: `arn:aws:s3:::${BUCKET}/*`,
                },
            ],
        };
        const OBJECT = `arn:aws:s3:::${BUCKET}/guardduty/AWSLogs/${MEMBER}/GuardDuty/${HOME}/2025/01/31/f.jsonl.gz`;

        before(() => {
            // The findings bucket's policy, not the access-log bucket's beside it.
            const policy = single(
                planned,
                "aws:s3/bucketPolicy:BucketPolicy",
                (r) => r.name === "findings-policy",
            );
            bucketPolicy = inputOf(policy, "policy");
            keyPolicy = inputOf(findingsKey(planned), "policy");
            // The bucket requires uploads encrypted with the findings key, by its ARN.
            const named = /arn:aws:kms:[^"]+:key\/[0-9a-f-]+/.exec(JSON.stringify(bucketPolicy));
            assert.ok(named, "the bucket policy names the findings key");
            keyArn = named[0];
        });

        it("names the findings key the plan creates", () => {
            const rcp = content("guardrails-perimeter") as PolicyDocument;
            assert.ok(
                rcp.Statement.every((s) => [s.Resource].flat().includes(keyArn)),
                keyArn,
            );
        });

        it("denies a principal outside the organization the bucket and the key, whatever their policies say", async () => {
            const outsider = `arn:aws:iam::${OUTSIDE}:role/Reader`;
            assert.equal(
                await decide({
                    principal: outsider,
                    action: "s3:GetObject",
                    resource: OBJECT,
                    resourceAccount: SECURITY,
                    context: TLS,
                    resourcePolicy: OPEN,
                }),
                "ExplicitlyDenied",
            );
            assert.equal(
                await decide({
                    principal: outsider,
                    action: "kms:Decrypt",
                    resource: keyArn,
                    resourceAccount: SECURITY,
                    resourcePolicy: {
                        ...keyPolicy,
                        Statement: [
                            ...keyPolicy.Statement,
                            {
                                Sid: "Open",
                                Effect: "Allow",
                                Principal: "*",
                                Action: "kms:Decrypt",
                                Resource: "*",
                            },
                        ],
                    },
                }),
                "ExplicitlyDenied",
            );
            // Without the RCP the same open bucket policy would let the outsider read: the RCP is what denies.
            const withoutRcp = await simulate(
                {
                    principal: outsider,
                    action: "s3:GetObject",
                    resource: OBJECT,
                    resourceAccount: SECURITY,
                    context: {
                        ...TLS,
                        "aws:PrincipalOrgID": "o-outside000",
                        "aws:PrincipalIsAWSService": "false",
                    },
                    identityPolicies: [allowEverything("AdministratorAccess", ["*"])],
                },
                OPEN,
            );
            assert.equal(withoutRcp.decision, "Allowed");
        });

        it("still lets GuardDuty and Macie export for the organization, and refuses them for another", async () => {
            for (const [service, source] of [
                [
                    "guardduty.amazonaws.com",
                    `arn:aws:guardduty:${HOME}:${SECURITY}:detector/12abc34d567e8fa901bc2d34e56789f0`,
                ],
                ["macie.amazonaws.com", `arn:aws:macie2:${HOME}:${SECURITY}:export-configuration:default`],
            ] as const) {
                const prefix = service.startsWith("guardduty") ? "guardduty" : "macie";
                const object = `arn:aws:s3:::${BUCKET}/${prefix}/AWSLogs/${SECURITY}/x/${HOME}/f.jsonl.gz`;
                const context = (org: string) => ({
                    ...TLS,
                    ...sseKms(keyArn),
                    "aws:SourceAccount": SECURITY,
                    "aws:SourceArn": source,
                    "aws:SourceOrgID": org,
                });
                assert.equal(
                    await decide({
                        principal: service,
                        action: "s3:PutObject",
                        resource: object,
                        resourceAccount: SECURITY,
                        context: context(organizationId),
                        resourcePolicy: bucketPolicy,
                    }),
                    "Allowed",
                    service,
                );
                assert.equal(
                    await decide({
                        principal: service,
                        action: "kms:GenerateDataKey",
                        resource: keyArn,
                        resourceAccount: SECURITY,
                        context: {
                            "aws:SourceAccount": SECURITY,
                            "aws:SourceArn": source,
                            "aws:SourceOrgID": organizationId,
                        },
                        resourcePolicy: keyPolicy,
                    }),
                    "Allowed",
                    `${service} key`,
                );
                assert.equal(
                    await decide({
                        principal: service,
                        action: "s3:PutObject",
                        resource: object,
                        resourceAccount: SECURITY,
                        context: context("o-outside000"),
                        resourcePolicy: OPEN,
                    }),
                    "ExplicitlyDenied",
                    `${service} for another organization`,
                );
            }
        });

        it("lets the organization's own principals through to the bucket policy", async () => {
            // A member role is in the organization: the RCP does not deny it, and the bucket policy decides.
            const decision = await decide({
                principal: MEMBER_ADMIN,
                action: "s3:GetObject",
                resource: OBJECT,
                resourceAccount: SECURITY,
                context: TLS,
                resourcePolicy: OPEN,
            });
            assert.equal(decision, "Allowed");
        });
    });

    it("covers every rule, function, role, log group, key and topic the plan creates in the security account", () => {
        // A resource renamed out of the guardrail's patterns would be unprotected without anyone noticing.
        type Scp = {
            Statement: {
                Sid: string;
                Resource: string | string[];
                Condition: Record<string, Record<string, string[]>>;
            }[];
        };
        const scp = content("guardrails-security-account") as Scp;
        const functions = content("guardrails-security-functions") as Scp;
        const patterns = [...scp.Statement, ...functions.Statement].flatMap(
            (statement) => statement.Resource,
        );
        const covered = (arn: string) =>
            patterns.some((pattern) =>
                new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(
                    arn,
                ),
            );
        const security = planned.resources.filter((r) => (r.provider ?? "").includes("::security::"));
        const named: string[] = [];
        for (const r of security) {
            const region = String(r.inputs.region ?? HOME);
            if (r.type === "aws:cloudwatch/eventRule:EventRule")
                named.push(
                    `arn:aws:events:${region}:${SECURITY}:rule/${String(r.inputs.name ?? `${r.name}-1a2b3c4`)}`,
                );
            if (r.type === "aws:lambda/function:Function")
                named.push(`arn:aws:lambda:${region}:${SECURITY}:function:${String(r.inputs.name)}`);
            if (r.type === "aws:cloudwatch/logGroup:LogGroup")
                named.push(`arn:aws:logs:${region}:${SECURITY}:log-group:${String(r.inputs.name)}`);
            if (r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
                named.push(`arn:aws:cloudwatch:${region}:${SECURITY}:alarm:${String(r.inputs.name)}`);
            // An auto-named resource gets Pulumi's random suffix after its logical name.
            if (r.type === "aws:iam/role:Role")
                named.push(`arn:aws:iam::${SECURITY}:role/${String(r.inputs.name ?? `${r.name}-1a2b3c4`)}`);
        }
        assert.ok(named.length > 20, `${named.length} resources`);
        for (const arn of named) assert.ok(covered(arn), arn);

        const purposes =
            scp.Statement.find((s) => s.Sid === "KeepKeysAndTopic")?.Condition.StringEquals[
                "aws:ResourceTag/Purpose"
            ] ?? [];
        const tagged = security.filter(
            (r) => r.type === "aws:kms/key:Key" || r.type === "aws:sns/topic:Topic",
        );
        assert.equal(
            tagged.length,
            4 + 2 * planned.regions.length,
            "two keys, the alert topic and the paging topic; a watch topic and its key in every governed region",
        );
        for (const r of tagged) {
            const tags = r.inputs.tags as Record<string, string> | undefined;
            assert.ok(purposes.includes(tags?.Purpose ?? ""), `${r.name} is tagged ${JSON.stringify(tags)}`);
        }
    });

    it("keeps the GuardDuty list and folder objects under Object Lock, and the lock itself", async () => {
        // The provider deletes every version of a removed object, which a lock refuses: a list edit in prod
        // would fail halfway if the old list were deleted. Without a lock (dev) old lists are cleaned up.
        const objects = (document: PlanDocument) => ofType(document, "aws:s3/bucketObjectv2:BucketObjectv2");
        assert.ok(objects(planned).length >= 4, "three lists and the folder object");
        for (const object of objects(planned)) assert.equal(object.retainOnDelete, true, object.name);
        const lock = ofType(planned, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
        assert.equal(lock.length, 1);
        assert.equal(lock[0].retainOnDelete, true);
        assert.deepEqual(lock[0].inputs.rule, { defaultRetention: { mode: "COMPLIANCE", days: 365 } });
        const dev = await plan("dev");
        assert.ok(objects(dev).length > 0);
        for (const object of objects(dev)) assert.equal(object.retainOnDelete, false, object.name);
        assert.equal(
            ofType(dev, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").length,
            0,
        );
    });

    it("attaches exactly the documents the other guardrail tests simulate, where they simulate them", () => {
        const simulated = configWorld("prod").policies;
        const attached = world.policies.filter((p) => p.type === "SERVICE_CONTROL_POLICY");
        assert.deepEqual(
            attached.map((p) => [p.name, p.targets, p.document]).sort(),
            simulated.map((p) => [p.name, p.targets, p.document]).sort(),
        );
    });

    it("keeps every guardrail policy and attachment when the stack lets go of it", () => {
        // pulumi destroy, or guardrails.enabled false, must not detach what keeps detection on.
        const kept = planned.resources.filter(
            (r) =>
                (r.type === "aws:organizations/policy:Policy" ||
                    r.type === "aws:organizations/policyAttachment:PolicyAttachment") &&
                r.name.startsWith("guardrails-"),
        );
        assert.equal(kept.length, 10, "five policies and five attachments");
        for (const r of kept) assert.equal(r.retainOnDelete, true, r.name);
    });

    it("applies to no principal of the management account (SCPs never do)", () => {
        // The plan attaches nothing to the management account: it is out of every SCP's reach (docs/guardrails.md).
        const attached = ofType(planned, "aws:organizations/policyAttachment:PolicyAttachment").map((a) =>
            String(a.inputs.targetId),
        );
        assert.ok(!attached.includes(MANAGEMENT));
    });
});
