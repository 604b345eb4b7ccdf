import { strict as assert } from "node:assert";
import type { PolicyDocument } from "../components/policy-documents";
import { readStackConfigValues } from "../tools/plan-runtime";
import {
    BREAK_GLASS,
    DEPLOYER,
    configWorld,
    HOME,
    MEMBER,
    MEMBER_ADMIN,
    SECURITY,
    type GuardrailWorld,
} from "./helpers/guardrails";

/*
 * What detection and response stand on in a member account, under the prod plan's guardrails, by IAM
 * simulation: the responder's member role and its StackSet's stack, the StackSets execution role that alone may
 * change them, the tags the services and the responder trust, and Security Hub's recording. The actions and
 * names are written here, not read from the documents.
 */

const ROLE_CHANGES = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:TagRole",
    "iam:UntagRole",
];
const STACK_CHANGES = [
    "cloudformation:DeleteStack",
    "cloudformation:UpdateStack",
    "cloudformation:CreateChangeSet",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:SetStackPolicy",
    "cloudformation:UpdateTerminationProtection",
    "cloudformation:ContinueUpdateRollback",
    "cloudformation:CancelUpdateStack",
    "cloudformation:RollbackStack",
    "cloudformation:SignalResource",
    "cloudformation:CreateStackRefactor",
    "cloudformation:ExecuteStackRefactor",
];

const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/security-governance-responder`;
const STACK = `arn:aws:cloudformation:${HOME}:${MEMBER}:stack/StackSet-security-governance-responder-2b5e1c9a-7d1f-4c36-9a1e-0f4b6c2d8e11/5a1c2b3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d`;
const ACCOUNT_KEY_POLICY: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "Account",
            Effect: "Allow",
            Principal: { AWS: [`arn:aws:iam::${MEMBER}:root`, `arn:aws:iam::${SECURITY}:root`] },
            Action: "kms:*",
            Resource: "*",
        },
    ],
};
const EXECUTION = `arn:aws:iam::${MEMBER}:role/stacksets-exec-db5abadef3b60bd25596d78ce782dc2c`;

describe("guardrails: the footing of detection and response in member accounts (prod plan)", function () {
    this.timeout(300_000);
    let world: GuardrailWorld;
    const decide = (principal: string, action: string, resource = "*", context = {}) =>
        world.decide({
            principal,
            action,
            resource,
            context,
            // A key answers only what its key policy allows: the default one defers to the account's IAM.
            resourcePolicy: action.startsWith("kms:") ? ACCOUNT_KEY_POLICY : undefined,
        });

    // Each test builds its own: built in a before hook, a mutant would look static to Stryker.
    beforeEach(() => {
        world = configWorld("prod");
    });

    it("keeps a member account's administrator from removing, rewriting or taking over the member role", async () => {
        for (const action of ROLE_CHANGES) {
            assert.equal(await decide(MEMBER_ADMIN, action, MEMBER_ROLE), "ExplicitlyDenied", action);
            // Nor a role of the program's names under a path, which would match the exemption.
            const pathed = `arn:aws:iam::${MEMBER}:role/security-governance-x/responder`;
            assert.equal(
                await decide(MEMBER_ADMIN, action, pathed),
                "ExplicitlyDenied",
                `${action} ${pathed}`,
            );
        }
    });

    it("keeps the administrator from deleting, updating or stalling the StackSet's stack", async () => {
        for (const action of STACK_CHANGES)
            assert.equal(await decide(MEMBER_ADMIN, action, STACK), "ExplicitlyDenied", action);
    });

    it("lets StackSets' execution role deploy, update and remove both", async () => {
        for (const action of ROLE_CHANGES)
            assert.equal(await decide(EXECUTION, action, MEMBER_ROLE), "Allowed", action);
        for (const action of STACK_CHANGES)
            assert.equal(await decide(EXECUTION, action, STACK), "Allowed", action);
    });

    it("keeps anyone but the exempt roles from making or changing a StackSets execution role, itself included", async () => {
        for (const action of ROLE_CHANGES) {
            for (const principal of [MEMBER_ADMIN, EXECUTION])
                assert.equal(
                    await decide(principal, action, `arn:aws:iam::${MEMBER}:role/stacksets-exec-forged`),
                    "ExplicitlyDenied",
                    `${principal} ${action}`,
                );
            assert.equal(await decide(MEMBER_ADMIN, action, EXECUTION), "ExplicitlyDenied", action);
        }
    });

    it("exempts no role with a name like the exempt ones", async () => {
        const lookalikes = [
            `arn:aws:iam::${MEMBER}:role/stacksets-exec`,
            `arn:aws:iam::${MEMBER}:role/stacksetsexec-1`,
            `arn:aws:iam::${MEMBER}:role/StackSets-Exec-1`,
            `arn:aws:iam::${MEMBER}:role/security-governance`,
            `arn:aws:iam::${MEMBER}:role/x/stacksets-exec-1`,
            `arn:aws:iam::${MEMBER}:role/SecurityGovernanceDeployer`,
            `arn:aws:iam::${SECURITY}:role/SecurityGovernanceDeployer2`,
            `arn:aws:iam::${SECURITY}:role/SecurityGovernanceDeployer-x`,
            `arn:aws:iam::${SECURITY}:role/team/SecurityGovernanceDeployer`,
            `arn:aws:iam::${SECURITY}:role/securitygovernancedeployer`,
            `arn:aws:iam::${SECURITY}:role/SecurityBreakGlass1`,
        ];
        for (const principal of lookalikes) {
            assert.equal(
                await decide(principal, "iam:DeleteRole", MEMBER_ROLE),
                "ExplicitlyDenied",
                `${principal} member role`,
            );
            assert.equal(
                await decide(principal, "guardduty:DeleteDetector"),
                "ExplicitlyDenied",
                `${principal} detector`,
            );
            assert.equal(
                await decide(principal, "ec2:CreateTags", `arn:aws:ec2:${HOME}:${MEMBER}:instance/i-0abc`, {
                    "aws:TagKeys": ["InspectorEc2Exclusion"],
                    "ec2:CreateAction": "CreateTags",
                }),
                "ExplicitlyDenied",
                `${principal} tag`,
            );
        }
    });

    it("leaves other roles and stacks, and other stack sets' stacks, to the account", async () => {
        const app = `arn:aws:iam::${MEMBER}:role/app`;
        for (const action of ROLE_CHANGES) assert.equal(await decide(MEMBER_ADMIN, action, app), "Allowed");
        const other = `arn:aws:cloudformation:${HOME}:${MEMBER}:stack/StackSet-team-baseline-1/5a1c2b3d`;
        for (const action of STACK_CHANGES) {
            assert.equal(await decide(MEMBER_ADMIN, action, other), "Allowed", action);
            const own = `arn:aws:cloudformation:${HOME}:${MEMBER}:stack/app/5a1c2b3d`;
            assert.equal(await decide(MEMBER_ADMIN, action, own), "Allowed", action);
        }
    });

    // Each trusted key, on a resource it is set on, through the service's own tagging call.
    const TAGGINGS: [string, string, string, string][] = [
        ["ec2:CreateTags", "ec2", "vpc-endpoint/vpce-0abc", "GuardDutyManaged"],
        ["ec2:DeleteTags", "ec2", "security-group/sg-0abc", "GuardDutyManaged"],
        ["ecs:TagResource", "ecs", "cluster/prod", "GuardDutyManaged"],
        ["ecs:UntagResource", "ecs", "cluster/prod", "GuardDutyManaged"],
        ["eks:TagResource", "eks", "cluster/prod", "GuardDutyManaged"],
        ["eks:UntagResource", "eks", "cluster/prod", "GuardDutyManaged"],
        ["ec2:CreateTags", "ec2", "instance/i-0abc", "InspectorEc2Exclusion"],
        ["ec2:DeleteTags", "ec2", "instance/i-0abc", "InspectorEc2Exclusion"],
        ["kms:TagResource", "kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab", "InspectorEc2Exclusion"],
        ["kms:UntagResource", "kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab", "InspectorEc2Exclusion"],
        ["lambda:TagResource", "lambda", "function:app", "InspectorExclusion"],
        ["lambda:UntagResource", "lambda", "function:app", "InspectorExclusion"],
        ["lambda:TagResource", "lambda", "function:app", "InspectorCodeExclusion"],
        ["lambda:UntagResource", "lambda", "function:app", "InspectorCodeExclusion"],
        ["ec2:CreateTags", "ec2", "instance/i-0abc", "security-governance:remediation"],
        ["ec2:DeleteTags", "ec2", "instance/i-0abc", "security-governance:remediation"],
        ["ec2:CreateTags", "ec2", "security-group/sg-0abc", "security-governance:purpose"],
        ["ec2:DeleteTags", "ec2", "security-group/sg-0abc", "security-governance:purpose"],
        ["ec2:CreateTags", "ec2", "instance/i-0abc", "security-governance:finding"],
        ["ec2:DeleteTags", "ec2", "instance/i-0abc", "security-governance:finding"],
    ];
    const arn = (service: string, resource: string, account = MEMBER) =>
        `arn:aws:${service}:${HOME}:${account}:${resource}`;
    const tagContext = (action: string, keys: string[]) => ({
        "aws:TagKeys": keys,
        ...(action === "ec2:CreateTags" ? { "ec2:CreateAction": "CreateTags" } : {}),
    });

    it("denies setting or removing a tag that GuardDuty, Inspector or the responder trusts, alone or among others", async () => {
        for (const [action, service, resource, key] of TAGGINGS) {
            for (const keys of [[key], ["Name", key]])
                assert.equal(
                    await decide(MEMBER_ADMIN, action, arn(service, resource), tagContext(action, keys)),
                    "ExplicitlyDenied",
                    `${action} ${keys.join(",")}`,
                );
        }
    });

    it("leaves every other tag alone, and lets the member role and the exempt roles set the trusted ones", async () => {
        for (const [action, service, resource, key] of TAGGINGS) {
            const target = arn(service, resource);
            assert.equal(
                await decide(MEMBER_ADMIN, action, target, tagContext(action, ["Name", "Owner"])),
                "Allowed",
                `${action} Name`,
            );
            assert.equal(
                await decide(MEMBER_ROLE, action, target, tagContext(action, [key])),
                "Allowed",
                `member role ${action} ${key}`,
            );
            // The exempt roles live in the security and management accounts: their own resources there.
            for (const principal of [DEPLOYER, BREAK_GLASS])
                assert.equal(
                    await decide(
                        principal,
                        action,
                        arn(service, resource, SECURITY),
                        tagContext(action, [key]),
                    ),
                    "Allowed",
                    `${principal} ${action} ${key}`,
                );
        }
    });

    it("denies deleting Security Hub's service-linked recorders, and leaves other recorders to the account (the new Security Hub on)", async () => {
        for (const name of [
            "AWSConfigurationRecorderForSecurityHubCSPM",
            "AWSConfigurationRecorderForSecurityHubAssets",
            "AWSConfigurationRecorderForSecurityHubAssetsGlobal",
        ])
            assert.equal(
                await decide(
                    MEMBER_ADMIN,
                    "config:DeleteServiceLinkedConfigurationRecorder",
                    `arn:aws:config:${HOME}:${MEMBER}:configuration-recorder/${name}/a1b2c3`,
                ),
                "ExplicitlyDenied",
                name,
            );
        const own = `arn:aws:config:${HOME}:${MEMBER}:configuration-recorder/default/a1b2c3`;
        for (const action of ["config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder"])
            assert.equal(await decide(MEMBER_ADMIN, action, own), "Allowed", action);
        assert.equal(
            await decide(
                MEMBER_ADMIN,
                "config:DeleteServiceLinkedConfigurationRecorder",
                `arn:aws:config:${HOME}:${MEMBER}:configuration-recorder/AWSConfigurationRecorderForObservabilityAdmin/a1`,
            ),
            "Allowed",
        );
        // Trails are left alone unless guardrails.protectTrails is set.
        assert.equal(
            await decide(
                MEMBER_ADMIN,
                "cloudtrail:StopLogging",
                `arn:aws:cloudtrail:${HOME}:${MEMBER}:trail/app`,
            ),
            "Allowed",
        );
    });
});

describe("guardrails: the switches of the footing SCP", function () {
    this.timeout(300_000);
    let world: GuardrailWorld;
    const prod = readStackConfigValues("prod");
    const section = (key: string) => prod[`security-governance:${key}`] as Record<string, unknown>;

    // Each test builds its own: built in a before hook, a mutant would look static to Stryker.
    beforeEach(() => {
        world = configWorld("prod", {
            "security-governance:guardrails": { ...section("guardrails"), protectTrails: true },
            "security-governance:securityHub": { ...section("securityHub"), v2: { enabled: false } },
            "security-governance:remediation": { ...section("remediation"), exemptTag: "DoNotRespond=yes" },
        });
    });

    it("with Security Hub CSPM alone, denies stopping, deleting or narrowing the account's own recorder and delivery channel", async () => {
        const recorder = `arn:aws:config:${HOME}:${MEMBER}:configuration-recorder/default/a1b2c3`;
        for (const action of [
            "config:StopConfigurationRecorder",
            "config:DeleteConfigurationRecorder",
            "config:DisassociateResourceTypes",
        ])
            assert.equal(
                await world.decide({ principal: MEMBER_ADMIN, action, resource: recorder }),
                "ExplicitlyDenied",
                action,
            );
        assert.equal(
            await world.decide({ principal: MEMBER_ADMIN, action: "config:DeleteDeliveryChannel" }),
            "ExplicitlyDenied",
        );
        // Setting a recorder up stays open: Control Tower and LZA do it from inside each account.
        assert.equal(
            await world.decide({
                principal: MEMBER_ADMIN,
                action: "config:PutConfigurationRecorder",
                resource: recorder,
            }),
            "Allowed",
        );
        assert.equal(
            await world.decide({
                principal: DEPLOYER,
                action: "config:StopConfigurationRecorder",
                resource: recorder,
            }),
            "Allowed",
        );
    });

    it("with protectTrails, denies stopping, deleting or narrowing any trail", async () => {
        const trail = `arn:aws:cloudtrail:${HOME}:${MEMBER}:trail/app`;
        for (const action of [
            "cloudtrail:StopLogging",
            "cloudtrail:DeleteTrail",
            "cloudtrail:UpdateTrail",
            "cloudtrail:PutEventSelectors",
            "cloudtrail:PutInsightSelectors",
        ]) {
            assert.equal(
                await world.decide({ principal: MEMBER_ADMIN, action, resource: trail }),
                "ExplicitlyDenied",
                action,
            );
            assert.equal(
                await world.decide({ principal: BREAK_GLASS, action, resource: trail }),
                "Allowed",
                action,
            );
        }
        assert.equal(
            await world.decide({
                principal: MEMBER_ADMIN,
                action: "cloudtrail:StartLogging",
                resource: trail,
            }),
            "Allowed",
        );
    });

    it("protects an exempt tag of the user's own naming", async () => {
        const instance = `arn:aws:ec2:${HOME}:${MEMBER}:instance/i-0abc`;
        for (const action of ["ec2:CreateTags", "ec2:DeleteTags"])
            assert.equal(
                await world.decide({
                    principal: MEMBER_ADMIN,
                    action,
                    resource: instance,
                    context: {
                        "aws:TagKeys": ["DoNotRespond"],
                        ...(action === "ec2:CreateTags" ? { "ec2:CreateAction": "CreateTags" } : {}),
                    },
                }),
                "ExplicitlyDenied",
                action,
            );
    });
});
