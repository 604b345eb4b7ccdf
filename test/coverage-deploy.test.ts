import { strict as assert } from "node:assert";
import { coverageRolePolicy } from "../components/coverage-function";
import { bundleFunction } from "../components/function-bundle";
import type { CoverageSettings } from "../functions/coverage/scheduled";
import { parseStackConfig } from "../stacks/config";
import { coverageExpectation } from "../stacks/coverage";
import { generateOrganization } from "../tools/org-fixture";
import {
    readStackConfigValues,
    REPO_ROOT,
    type PlanDocument,
    type PlannedResource,
} from "../tools/plan-runtime";
import { simulate, type Decision } from "./helpers/iam";
import { findingsKey, plan, single } from "./helpers/plan";

const FUNCTION = "aws:lambda/function:Function";
const COVERAGE = (r: { name: string }) => r.name.startsWith("coverage");

function settingsOf(fn: PlannedResource): CoverageSettings {
    const variables = (fn.inputs.environment as { variables?: Record<string, unknown> }).variables ?? {};
    assert.equal(typeof variables.COVERAGE_SETTINGS, "string", "the function has its settings");
    return JSON.parse(variables.COVERAGE_SETTINGS as string) as CoverageSettings;
}

describe("the coverage function, as the plan deploys it", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        prod = await plan("prod");
    });

    it("runs the bundled reader hourly in the home region, one run at a time, within Lambda's 15 minutes", () => {
        const fn = single(prod, FUNCTION, COVERAGE);
        assert.equal(fn.inputs.name, "security-governance-coverage");
        assert.equal(fn.inputs.region, prod.homeRegion);
        assert.equal(fn.inputs.timeout, 900);
        assert.equal(fn.inputs.reservedConcurrentExecutions, 1);
        const bundle = bundleFunction("coverage/handler");
        assert.equal(fn.inputs.sourceCodeHash, Buffer.from(bundle.sha256, "hex").toString("base64"));
        const rule = single(prod, "aws:cloudwatch/eventRule:EventRule", COVERAGE);
        assert.equal(rule.inputs.scheduleExpression, "rate(1 hour)");
        const target = single(prod, "aws:cloudwatch/eventTarget:EventTarget", COVERAGE);
        assert.equal(target.inputs.rule, rule.inputs.name);
        const permission = single(prod, "aws:lambda/permission:Permission", COVERAGE);
        assert.equal(permission.inputs.principal, "events.amazonaws.com");
        assert.ok(target.dependsOn.includes(permission.urn));
        assert.deepEqual(
            prod.resources.filter((r) => COVERAGE(r) && r.type === "aws:lambda/invocation:Invocation"),
            [],
            "not run on deploy: a full read may take Lambda's 15 minutes, which pulumi up would wait for",
        );
    });

    it("judges what the stack config asks for and writes to the findings bucket, key and alert topic", () => {
        for (const [stack, planned] of [
            ["dev", dev],
            ["prod", prod],
        ] as const) {
            const settings = settingsOf(single(planned, FUNCTION, COVERAGE));
            assert.deepEqual(
                settings.expectation,
                coverageExpectation(parseStackConfig(readStackConfigValues(stack, REPO_ROOT))),
            );
            const bucket = single(planned, "aws:s3/bucket:Bucket", (r) => r.name === "findings-bucket");
            assert.equal(settings.publish.bucket, bucket.inputs.bucket);
            assert.equal(settings.publish.prefix, "coverage/");
            assert.match(settings.publish.kmsKeyArn, /^arn:aws:kms:/);
            assert.match(settings.publish.topicArn, /^arn:aws:sns:/);
            assert.equal(settings.publish.namespace, "SecurityGovernance/Coverage");
        }
        const expectation = settingsOf(single(prod, FUNCTION, COVERAGE)).expectation;
        assert.deepEqual(Object.keys(expectation.regions), [
            "guardduty",
            "securityhub",
            "macie",
            "detective",
            "inspector",
            // Where AWS Config records, from Security Hub CSPM's Config.1 findings.
            "config",
        ]);
    });

    it("names no member account or e-mail in its inputs", () => {
        const { management, securityAdmin, count } = prod.accounts;
        const organization = generateOrganization(count, { management, securityAdmin });
        const inputs = JSON.stringify(prod.resources.filter(COVERAGE).map((r) => r.inputs));
        for (const account of organization.accounts) {
            if (account.Id === management || account.Id === securityAdmin) continue;
            assert.ok(!inputs.includes(account.Id ?? ""), `${account.Id} is in the plan`);
            assert.ok(!inputs.includes(account.Email ?? "@"), `${account.Email} is in the plan`);
        }
    });

    describe("its role, in IAM simulation", () => {
        let policy: ReturnType<typeof coverageRolePolicy>;
        let account: string;
        let role: string;
        let settings: CoverageSettings;
        before(() => {
            account = prod.accounts.securityAdmin;
            role = `arn:aws:iam::${account}:role/security-governance-coverage-${prod.homeRegion}`;
            settings = settingsOf(single(prod, FUNCTION, COVERAGE));
            policy = JSON.parse(
                single(prod, "aws:iam/rolePolicy:RolePolicy", (r) => r.name === "coverage-permissions").inputs
                    .policy as string,
            ) as ReturnType<typeof coverageRolePolicy>;
            const topic = single(prod, "aws:sns/topic:Topic", (r) => r.name === "finding-alerts-topic");
            assert.deepEqual(
                policy,
                coverageRolePolicy({
                    securityAccountId: account,
                    homeRegion: prod.homeRegion,
                    expectation: settings.expectation,
                    bucketName: settings.publish.bucket,
                    bucketKeyArn: settings.publish.kmsKeyArn,
                    topicArn: settings.publish.topicArn,
                    topicKeyArn: String(topic.inputs.kmsMasterKeyId),
                }),
            );
        });

        async function decide(
            action: string,
            resource: string,
            region = "eu-west-1",
            context: Record<string, string> = {},
        ): Promise<Decision> {
            // A KMS key decides with its own key policy: the findings key's, as planned.
            const keyPolicy =
                resource === settings.publish.kmsKeyArn
                    ? (JSON.parse(String(findingsKey(prod).inputs.policy)) as Parameters<typeof simulate>[1])
                    : undefined;
            const outcome = await simulate(
                {
                    principal: role,
                    action,
                    resource,
                    resourceAccount: account,
                    context: { "aws:RequestedRegion": region, ...context },
                    identityPolicies: [{ name: "coverage", policy }],
                },
                keyPolicy,
            );
            return outcome.decision;
        }

        it("may read every service's members and scan status in governed regions, and leave its reports", async () => {
            const graph = `arn:aws:detective:eu-west-1:${account}:graph:${"a".repeat(32)}`;
            // GuardDuty member and detector actions take no resource ARN (Service Authorization Reference).
            const detector = "*";
            for (const [action, resource] of [
                ["organizations:ListAccounts", "*"],
                ["guardduty:ListDetectors", "*"],
                ["guardduty:ListMembers", detector],
                ["guardduty:GetMemberDetectors", detector],
                ["securityhub:ListMembers", `arn:aws:securityhub:eu-west-1:${account}:hub/default`],
                ["macie2:ListMembers", "*"],
                ["detective:ListGraphs", "*"],
                ["detective:ListMembers", graph],
                ["inspector2:BatchGetAccountStatus", "*"],
                ["s3:PutObject", `arn:aws:s3:::${settings.publish.bucket}/coverage/latest.json`],
                [
                    "s3:GetObject",
                    `arn:aws:s3:::${settings.publish.bucket}/coverage/rows/macie/eu-west-1/latest.json`,
                ],
                ["kms:GenerateDataKey", settings.publish.kmsKeyArn],
                ["kms:Decrypt", settings.publish.kmsKeyArn],
                ["sns:Publish", settings.publish.topicArn],
            ]) {
                assert.equal(await decide(action, resource), "Allowed", action);
            }
            assert.equal(
                await decide("cloudwatch:PutMetricData", "*", "eu-west-1", {
                    "cloudwatch:namespace": "SecurityGovernance/Coverage",
                }),
                "Allowed",
            );
        });

        it("may read Config.1 findings in the home region only, where every region's are aggregated", async () => {
            assert.equal(await decide("securityhub:GetFindings", "*", prod.homeRegion), "Allowed");
            const elsewhere = prod.regions.find((region) => region !== prod.homeRegion) ?? "";
            assert.equal(await decide("securityhub:GetFindings", "*", elsewhere), "ImplicitlyDenied");
            assert.equal(
                await decide("securityhub:BatchUpdateFindings", "*", prod.homeRegion),
                "ImplicitlyDenied",
            );
        });

        it("may read the scoped OUs and which configuration policy applies, the latter in the home region only", async () => {
            const sandbox = `arn:aws:organizations::${prod.accounts.management}:ou/o-abcd123456/ou-ab12-sandbox1`;
            assert.equal(await decide("organizations:ListAccountsForParent", sandbox), "Allowed");
            assert.equal(await decide("organizations:ListOrganizationalUnitsForParent", sandbox), "Allowed");
            for (const action of [
                "securityhub:ListConfigurationPolicies",
                "securityhub:ListConfigurationPolicyAssociations",
            ]) {
                assert.equal(await decide(action, "*", prod.homeRegion), "Allowed", action);
                const elsewhere = prod.regions.find((region) => region !== prod.homeRegion) ?? "";
                assert.equal(
                    await decide(action, "*", elsewhere),
                    "ImplicitlyDenied",
                    `${action} ${elsewhere}`,
                );
            }
            for (const action of [
                "securityhub:StartConfigurationPolicyDisassociation",
                "securityhub:UpdateConfigurationPolicy",
                "organizations:DetachPolicy",
                "organizations:MoveAccount",
            ]) {
                assert.equal(await decide(action, "*", prod.homeRegion), "ImplicitlyDenied", action);
            }
        });

        it("may change nothing: no enrollment, removal, disabling, other objects, other metrics or regions", async () => {
            const graph = `arn:aws:detective:eu-west-1:${account}:graph:${"a".repeat(32)}`;
            // GuardDuty member and detector actions take no resource ARN (Service Authorization Reference).
            const detector = "*";
            for (const [action, resource] of [
                ["guardduty:CreateMembers", detector],
                ["guardduty:DisassociateMembers", detector],
                ["guardduty:DeleteDetector", detector],
                ["guardduty:UpdateMemberDetectors", detector],
                ["securityhub:DisassociateMembers", `arn:aws:securityhub:eu-west-1:${account}:hub/default`],
                ["macie2:CreateMember", "*"],
                ["macie2:DisassociateMember", "*"],
                ["detective:CreateMembers", graph],
                ["detective:DeleteMembers", graph],
                ["inspector2:Disable", "*"],
                ["inspector2:Enable", "*"],
                ["s3:DeleteObject", `arn:aws:s3:::${settings.publish.bucket}/coverage/latest.json`],
                ["s3:GetObject", `arn:aws:s3:::${settings.publish.bucket}/guardduty/finding.jsonl.gz`],
                ["s3:PutObject", `arn:aws:s3:::${settings.publish.bucket}/guardduty/forged.jsonl.gz`],
                ["kms:ScheduleKeyDeletion", settings.publish.kmsKeyArn],
                ["organizations:LeaveOrganization", "*"],
            ]) {
                assert.equal(await decide(action, resource), "ImplicitlyDenied", action);
            }
            assert.equal(
                await decide("cloudwatch:PutMetricData", "*", "eu-west-1", {
                    "cloudwatch:namespace": "AWS/GuardDuty",
                }),
                "ImplicitlyDenied",
            );
            assert.equal(await decide("macie2:ListMembers", "*", "ap-east-2"), "ImplicitlyDenied");
        });
    });
});
