import * as assert from "node:assert/strict";
import {
    MANAGEMENT_ACCOUNT,
    ROOT_ADMIN_STATEMENT,
    UNKNOWN_VALUE,
    compliantStack,
    keyPolicy,
    urnOf,
    withInputs,
    without,
} from "./helpers/policy-fixtures";
import { PlannedResource } from "../tools/policy-driver";
import {
    analyze,
    byPolicy,
    notApplicableReasons,
    policySession,
    withConfig,
    violationsOf,
} from "./helpers/policy-session";

/**
 * KMS, Security Hub, Macie, Detective, Inspector and delegated-administrator policies: their exact
 * messages, the values they wait for during preview, and the config values they refuse.
 */

const said = violationsOf;

async function refused(policy: string, properties: Record<string, unknown>, key: string): Promise<void> {
    await assert.rejects(
        withConfig({ [policy]: properties as Record<string, never> }, async () => undefined),
        new RegExp(key),
    );
}

const key = (inputs: Record<string, unknown>) => withInputs(compliantStack(), "key", inputs);
const statements = (...list: unknown[]) => key({ policy: keyPolicy([ROOT_ADMIN_STATEMENT, ...list]) });

/** Every diagnostic of the stack, so that a policy that crashes on a value shows up too. */
async function everything(resources: PlannedResource[]): Promise<string[]> {
    return (await analyze(resources)).map((d) => `${d.policy}: ${d.message}`);
}

describe("service policies: exact messages, preview-unknown values and refused config", function () {
    before(async function () {
        this.timeout(120_000);
        await policySession();
    });

    describe("KMS", () => {
        it("kms-key-rotation-enabled: symmetric keys, named or by default; other specs and unknown ones wait", async () => {
            const P = "kms-key-rotation-enabled";
            assert.deepEqual(
                await said(key({ customerMasterKeySpec: "SYMMETRIC_DEFAULT", enableKeyRotation: false }), P),
                ["enableKeyRotation is false; it must be true."],
            );
            assert.deepEqual(await said(key({ enableKeyRotation: undefined }), P), [
                "enableKeyRotation is unset (false); it must be true.",
            ]);
            for (const spec of [UNKNOWN_VALUE, "RSA_2048"]) {
                assert.deepEqual(
                    await said(key({ customerMasterKeySpec: spec, enableKeyRotation: false }), P),
                    [],
                );
            }
        });

        it("kms-key-deletion-window names the days; waits for unknown ones; refuses a fractional minimum", async () => {
            const P = "kms-key-deletion-window";
            assert.deepEqual(await said(key({ deletionWindowInDays: 7 }), P), [
                "deletionWindowInDays is 7; it must be at least 30.",
            ]);
            assert.deepEqual(await said(key({ deletionWindowInDays: UNKNOWN_VALUE }), P), []);
            await refused(P, { minDeletionWindowDays: 10.5 }, "minDeletionWindowDays");
        });

        it("kms-key-policy-no-wildcard-admin names the statement; a Deny or an Effect-less one is not a grant", async () => {
            const P = "kms-key-policy-no-wildcard-admin";
            const open = { Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" };
            const tail =
                "allows every action on the key to any principal; grant kms:* only to the account root or named roles.";
            assert.deepEqual(await said(statements(open, { ...open, Sid: "Open" }), P), [
                `Statement (no Sid) ${tail}`,
                `Statement Open ${tail}`,
            ]);
            assert.deepEqual(await said(statements({ ...open, Effect: "Deny" }), P), []);
            const effectless: Record<string, unknown> = { ...open };
            delete effectless.Effect;
            assert.deepEqual(await said(statements(effectless), P), []);
            const [invalid] = await said(key({ policy: "{not json" }), P);
            assert.match(invalid, /^The key policy is not valid JSON \(.+\)\.$/);
        });

        it("kms-key-policy-service-principals-scoped names the statement and the services; Deny and Effect-less are skipped", async () => {
            const P = "kms-key-policy-service-principals-scoped";
            const grant = {
                Effect: "Allow",
                Principal: { Service: ["guardduty.amazonaws.com", "macie.amazonaws.com"] },
                Action: "kms:GenerateDataKey",
                Resource: "*",
            };
            const tail =
                "without an aws:SourceAccount or aws:SourceArn condition, leaving the key open to the confused deputy.";
            assert.deepEqual(await said(statements(grant, { ...grant, Sid: "Export" }), P), [
                `Statement (no Sid) grants guardduty.amazonaws.com, macie.amazonaws.com ${tail}`,
                `Statement Export grants guardduty.amazonaws.com, macie.amazonaws.com ${tail}`,
            ]);
            assert.deepEqual(await said(statements({ ...grant, Sid: 7 }), P), [
                `Statement (no Sid) grants guardduty.amazonaws.com, macie.amazonaws.com ${tail}`,
            ]);
            const effectless: Record<string, unknown> = { ...grant };
            delete effectless.Effect;
            assert.deepEqual(await said(statements({ ...grant, Effect: "Deny" }, effectless), P), []);
        });

        it("waits, without crashing, on unknown parts of a key policy given as an object", async () => {
            // Only an object policy can have unknown parts (in a JSON string the whole string is unknown).
            const objectPolicy = (statement: Record<string, unknown>) =>
                key({ policy: { Version: "2012-10-17", Statement: [ROOT_ADMIN_STATEMENT, statement] } });
            const service = { Principal: { Service: "guardduty.amazonaws.com" }, Action: "kms:Decrypt" };
            for (const statement of [
                // Each catches a dropped unknown guard: actions.includes, effect.toLowerCase,
                // services.join or conditions.has called on the unknown value.
                { Effect: "Allow", Principal: "*", Action: UNKNOWN_VALUE },
                { ...service, Effect: UNKNOWN_VALUE },
                { Effect: "Allow", Principal: { Service: UNKNOWN_VALUE }, Action: "kms:Decrypt" },
                { ...service, Effect: "Allow", Condition: UNKNOWN_VALUE },
            ]) {
                assert.deepEqual(await everything(objectPolicy(statement)), [], JSON.stringify(statement));
            }
        });
    });

    describe("Security Hub", () => {
        it("securityhub-central-configuration lists every problem in one message", async () => {
            const P = "securityhub-central-configuration";
            const config = (inputs: Record<string, unknown>) =>
                withInputs(compliantStack(), "securityhub-org-config", inputs);
            assert.deepEqual(
                await said(
                    config({
                        organizationConfiguration: { configurationType: "LOCAL" },
                        autoEnable: true,
                        autoEnableStandards: undefined,
                    }),
                    P,
                ),
                [
                    "organizationConfiguration.configurationType is LOCAL, not CENTRAL; autoEnable is true, not false; " +
                        "autoEnableStandards is unset (DEFAULT), not NONE.",
                ],
            );
            assert.deepEqual(await said(config({ organizationConfiguration: undefined }), P), [
                "organizationConfiguration.configurationType is unset (LOCAL), not CENTRAL.",
            ]);
            assert.deepEqual(await said(config({ autoEnableStandards: UNKNOWN_VALUE }), P), []);
        });

        describe("securityhub-required-standards", () => {
            const P = "securityhub-required-standards";
            const policy = (configurationPolicy: Record<string, unknown>) =>
                withInputs(compliantStack(), "securityhub-policy", { configurationPolicy });
            const FSBP = "standards/aws-foundational-security-best-practices/v/1.0.0";
            const CIS = "standards/cis-aws-foundations-benchmark/v/3.0.0";

            it("a policy that turns Security Hub off says so, and only that", async () => {
                assert.deepEqual(await said(policy({ serviceEnabled: false }), P), [
                    "configurationPolicy.serviceEnabled is not true: the policy turns Security Hub off.",
                ]);
            });

            it("lists the missing standards, also when none is listed or an entry is not a string", async () => {
                assert.deepEqual(await said(policy({ serviceEnabled: true }), P), [
                    `enabledStandardArns lacks ${FSBP}, ${CIS}.`,
                ]);
                assert.deepEqual(
                    await said(
                        policy({
                            serviceEnabled: true,
                            enabledStandardArns: [5, `arn:aws:securityhub:::${CIS}`],
                        }),
                        P,
                    ),
                    [`enabledStandardArns lacks ${FSBP}.`],
                );
            });

            it("waits while serviceEnabled or a standard is unknown", async () => {
                const arns = [`arn:aws:securityhub:eu-west-1::${FSBP}`, `arn:aws:securityhub:::${CIS}`];
                assert.deepEqual(
                    await said(policy({ serviceEnabled: UNKNOWN_VALUE, enabledStandardArns: arns }), P),
                    [],
                );
                assert.deepEqual(
                    await said(policy({ serviceEnabled: true, enabledStandardArns: [UNKNOWN_VALUE] }), P),
                    [],
                );
            });

            it("refuses requiredStandards that are not a list of non-empty strings", async () => {
                await refused(P, { requiredStandards: FSBP }, "requiredStandards");
                await refused(P, { requiredStandards: [""] }, "requiredStandards");
            });
        });

        it("securityhub-finding-aggregator pins its message to the organization configuration", async () => {
            const found = byPolicy(
                await analyze(without(compliantStack(), "securityhub-aggregator")),
                "securityhub-finding-aggregator",
            );
            assert.deepEqual(
                found.map((d) => [d.urn, d.message.split("\n")[1]]),
                [
                    [
                        urnOf(
                            "aws:securityhub/organizationConfiguration:OrganizationConfiguration",
                            "securityhub-org-config",
                        ),
                        "Security Hub central configuration needs a FindingAggregator in the home region; none exists.",
                    ],
                ],
            );
        });
    });

    it("Macie and Detective name the value they got; unknown values wait", async () => {
        assert.deepEqual(
            await said(withInputs(compliantStack(), "macie", { status: "PAUSED" }), "macie-account-enabled"),
            ["status is PAUSED; it must be ENABLED."],
        );
        assert.deepEqual(
            await said(
                withInputs(compliantStack(), "macie", { status: UNKNOWN_VALUE }),
                "macie-account-enabled",
            ),
            [],
        );
        for (const [name, policy] of [
            ["macie-org-config", "macie-organization-auto-enable"],
            ["detective-org-config", "detective-organization-auto-enable"],
        ]) {
            assert.deepEqual(await said(withInputs(compliantStack(), name, { autoEnable: false }), policy), [
                "autoEnable is false; it must be true.",
            ]);
            assert.deepEqual(
                await said(withInputs(compliantStack(), name, { autoEnable: undefined }), policy),
                ["autoEnable is unset; it must be true."],
            );
            assert.deepEqual(
                await said(withInputs(compliantStack(), name, { autoEnable: UNKNOWN_VALUE }), policy),
                [],
            );
        }
        const exportKey = (kmsKeyArn: unknown) =>
            withInputs(compliantStack(), "macie-export", {
                s3Destination: { bucketName: "findings", keyPrefix: "macie/", kmsKeyArn },
            });
        for (const kmsKeyArn of [undefined, ""]) {
            assert.deepEqual(await said(exportKey(kmsKeyArn), "macie-export-kms-encrypted"), [
                "s3Destination.kmsKeyArn is not set: exported findings must be encrypted with a KMS key.",
            ]);
        }
    });

    it("inspector-organization-auto-enable: any provider key can be required; unknown values wait; others are refused", async () => {
        const P = "inspector-organization-auto-enable";
        await withConfig({ [P]: { requiredResourceTypes: ["ec2", "codeRepository"] } }, async () => {
            assert.deepEqual(await said(compliantStack(), P), ["autoEnable is not true for codeRepository."]);
        });
        const unknown = withInputs(compliantStack(), "inspector-org-config", {
            autoEnable: { ec2: UNKNOWN_VALUE, ecr: true, lambda: UNKNOWN_VALUE },
        });
        assert.deepEqual(await said(unknown, P), []);
        await refused(P, { requiredResourceTypes: ["ec3"] }, "requiredResourceTypes");
        await refused(P, { requiredResourceTypes: "ec2" }, "requiredResourceTypes");
    });

    describe("inspector-policy-never-disables", () => {
        const P = "inspector-policy-never-disables";
        const policy = (content: unknown) =>
            withInputs(compliantStack(), "inspector-organization-policy", {
                type: "INSPECTOR_POLICY",
                content,
            });
        const ec2 = (disable: unknown) =>
            policy(
                JSON.stringify({
                    inspector: { enablement: { ec2_scanning: { disable_in_regions: disable } } },
                }),
            );
        const disabling = (regions: string) =>
            `disable_in_regions is not empty (ec2_scanning: ${regions}): Inspector deletes the findings of a ` +
            "deactivated scan type (Inspector user guide, deactivating-best-practices.html); drop the region " +
            "from enable_in_regions instead.";

        it("names every scan type and region it would disable, by the documented operators or a bare list", async () => {
            assert.deepEqual(await said(ec2({ "@@assign": ["us-east-1", "eu-west-1"] }), P), [
                disabling("us-east-1, eu-west-1"),
            ]);
            // Not the documented syntax, read the safe way: one region, or a list without an operator.
            assert.deepEqual(await said(ec2({ "@@assign": "us-east-1" }), P), [disabling("us-east-1")]);
            assert.deepEqual(await said(ec2(["us-east-1"]), P), [disabling("us-east-1")]);
            assert.deepEqual(await said(ec2("us-east-1"), P), [disabling("us-east-1")]);
            const two = policy(
                JSON.stringify({
                    inspector: {
                        enablement: {
                            ec2_scanning: { disable_in_regions: { "@@append": ["us-east-1"] } },
                            ecr_scanning: { disable_in_regions: { "@@assign": ["eu-west-2"] } },
                        },
                    },
                }),
            );
            assert.deepEqual(await said(two, P), [disabling("us-east-1; ecr_scanning: eu-west-2")]);
        });

        it("nothing to disable: null, empty, @@remove only, no enablement, or a document that is not an object", async () => {
            for (const disable of [null, [], { "@@assign": null }, { "@@remove": ["us-east-1"] }]) {
                assert.deepEqual(await said(ec2(disable), P), [], JSON.stringify(disable));
            }
            for (const content of [
                "null",
                "[]",
                '"text"',
                "{}",
                '{"inspector": null}',
                '{"inspector": {}}',
            ]) {
                assert.deepEqual(await said(policy(content), P), [], content);
            }
        });

        it("waits for unknown content, passes absent content, and says when content is not JSON", async () => {
            assert.deepEqual(await said(policy(UNKNOWN_VALUE), P), []);
            assert.deepEqual(await said(policy(undefined), P), []);
            assert.deepEqual(await said(policy("{ inspector"), P), [
                "content is not JSON: an Inspector policy document is a JSON object.",
            ]);
        });
    });

    describe("delegated administrators", () => {
        it("delegated-admin-single-account lists every account in order with the services naming it", async () => {
            const stack = withInputs(compliantStack(), "guardduty-admin", { adminAccountId: "999999999999" });
            assert.deepEqual(await said(stack, "delegated-admin-single-account"), [
                "Delegated administrators name 2 accounts: 222222222222 (securityhub securityhub-admin, macie2 " +
                    "macie-admin, detective detective-admin, inspector2 inspector-admin, organizations " +
                    "org-delegated-admin); 999999999999 (guardduty guardduty-admin).",
            ]);
            // An empty account ID is not a second account: it cannot be judged.
            const empty = withInputs(compliantStack(), "guardduty-admin", { adminAccountId: "" });
            assert.deepEqual(await said(empty, "delegated-admin-single-account"), []);
        });

        it("delegated-admin-not-management-account names the service and the account; refuses a malformed ID", async () => {
            const P = "delegated-admin-not-management-account";
            const stack = withInputs(compliantStack(), "macie-admin", { adminAccountId: MANAGEMENT_ACCOUNT });
            await withConfig({ [P]: { managementAccountId: MANAGEMENT_ACCOUNT } }, async () => {
                assert.deepEqual(await said(stack, P), [
                    `macie2 macie-admin delegates to the management account ${MANAGEMENT_ACCOUNT}; delegate to the ` +
                        "security account instead.",
                ]);
            });
            // Unset, the policy says it does not apply rather than passing in silence.
            assert.deepEqual(await notApplicableReasons(stack, P), ["managementAccountId is not configured"]);
            await withConfig({ [P]: { managementAccountId: MANAGEMENT_ACCOUNT } }, async () => {
                assert.deepEqual(await notApplicableReasons(stack, P), []);
            });
            await refused(P, { managementAccountId: "1111" }, "managementAccountId");
            await refused(P, { managementAccountId: 111111111111 }, "managementAccountId");
        });
    });
});
