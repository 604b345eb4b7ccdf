import * as assert from "node:assert/strict";
import {
    BUCKET_NAME,
    MANAGEMENT_ACCOUNT,
    ROOT_ADMIN_STATEMENT,
    SCOPED_SERVICE_STATEMENT,
    SECURITY_ACCOUNT,
    compliantStack,
    keyPolicy,
    resource,
    urnOf,
    withInputs,
    withResource,
    without,
} from "./helpers/policy-fixtures";
import { analyze, byPolicy, expectPolicies, policySession, withConfig } from "./helpers/policy-session";

function keyWithPolicy(statements: unknown[]) {
    return withInputs(compliantStack(), "key", { policy: keyPolicy(statements) });
}

describe("KMS, Security Hub, Macie, Detective, Inspector, organization and notification policies", function () {
    before(async function () {
        this.timeout(120_000);
        await policySession();
    });

    describe("kms-key-rotation-enabled", () => {
        it("rejects a symmetric key without rotation", async () => {
            await expectPolicies(withInputs(compliantStack(), "key", { enableKeyRotation: undefined }), [
                "kms-key-rotation-enabled",
            ]);
        });

        it("exempts asymmetric keys, which KMS cannot rotate", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "key", {
                    enableKeyRotation: false,
                    customerMasterKeySpec: "RSA_2048",
                }),
                [],
            );
        });
    });

    describe("kms-key-deletion-window", () => {
        it("rejects a 7-day window under the default minimum of 30", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "key", { deletionWindowInDays: 7 }),
                ["kms-key-deletion-window"],
            );
            assert.match(d.message, /7; it must be at least 30/);
        });

        it("accepts an unset window (KMS uses 30) and honours minDeletionWindowDays", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "key", { deletionWindowInDays: undefined }),
                [],
            );
            const stack = withInputs(compliantStack(), "key", { deletionWindowInDays: 14 });
            await withConfig({ "kms-key-deletion-window": { minDeletionWindowDays: 14 } }, async () =>
                expectPolicies(stack, []),
            );
        });
    });

    describe("kms-key-policy-no-wildcard-admin", () => {
        for (const [label, principal, action] of [
            ['"*"', "*", "kms:*"],
            ['{AWS: "*"}', { AWS: "*" }, "*"],
            ['{AWS: ["*"]}', { AWS: ["*"] }, ["kms:Decrypt", "KMS:*"]],
        ] as const) {
            it(`rejects allowing every action to ${label}`, async () => {
                const open = {
                    Sid: "Open",
                    Effect: "Allow",
                    Principal: principal,
                    Action: action,
                    Resource: "*",
                };
                const [d] = await expectPolicies(keyWithPolicy([ROOT_ADMIN_STATEMENT, open]), [
                    "kms-key-policy-no-wildcard-admin",
                ]);
                assert.match(d.message, /Statement Open/);
            });
        }

        it("accepts a wildcard principal limited to specific actions, and kms:* for the account root", async () => {
            const narrow = { Effect: "Allow", Principal: "*", Action: "kms:Describe*", Resource: "*" };
            await expectPolicies(keyWithPolicy([ROOT_ADMIN_STATEMENT, narrow]), []);
        });

        it("rejects a key policy that is not JSON", async () => {
            await expectPolicies(withInputs(compliantStack(), "key", { policy: "{not json" }), [
                "kms-key-policy-no-wildcard-admin",
            ]);
        });
    });

    describe("kms-key-policy-service-principals-scoped", () => {
        it("rejects a service grant without aws:SourceAccount or aws:SourceArn", async () => {
            const unscoped = { ...SCOPED_SERVICE_STATEMENT, Condition: undefined };
            const [d] = await expectPolicies(keyWithPolicy([ROOT_ADMIN_STATEMENT, unscoped]), [
                "kms-key-policy-service-principals-scoped",
            ]);
            assert.match(
                d.message,
                /guardduty\.amazonaws\.com without an aws:SourceAccount or aws:SourceArn/,
            );
        });

        it("rejects a service grant scoped only by kms:ViaService or aws:PrincipalOrgID", async () => {
            // Neither names the account or resource the service acts for: not a confused-deputy guard.
            for (const condition of [
                { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
                { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
            ]) {
                const weak = { ...SCOPED_SERVICE_STATEMENT, Condition: condition };
                await expectPolicies(keyWithPolicy([ROOT_ADMIN_STATEMENT, weak]), [
                    "kms-key-policy-service-principals-scoped",
                ]);
            }
        });

        it("accepts EventBridge's grant for an encrypted topic without a source condition, and only that grant", async () => {
            // SNS developer guide, sns-key-management: source keys "not supported for EventBridge-to-encrypted topics".
            const toTopic = {
                Sid: "EventBridgePublishesToEncryptedTopic",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                Resource: "*",
            };
            await expectPolicies(keyWithPolicy([ROOT_ADMIN_STATEMENT, toTopic]), []);
            for (const wider of [
                { ...toTopic, Action: ["kms:Decrypt", "kms:GenerateDataKey*", "kms:Encrypt"] },
                { ...toTopic, Action: "kms:*" },
                { ...toTopic, Principal: { Service: ["events.amazonaws.com", "s3.amazonaws.com"] } },
                { ...toTopic, Principal: { Service: "cloudwatch.amazonaws.com" } },
            ]) {
                await expectPolicies(keyWithPolicy([ROOT_ADMIN_STATEMENT, wider]), [
                    "kms-key-policy-service-principals-scoped",
                ]);
            }
        });

        it("accepts aws:SourceArn under any operator, whatever the key's case", async () => {
            const scoped = {
                ...SCOPED_SERVICE_STATEMENT,
                Principal: { Service: ["events.amazonaws.com"] },
                Condition: { ArnLike: { "AWS:SOURCEARN": "arn:aws:events:eu-west-1:222222222222:rule/*" } },
            };
            await expectPolicies(keyWithPolicy([ROOT_ADMIN_STATEMENT, scoped]), []);
        });
    });

    describe("securityhub-central-configuration", () => {
        it("rejects LOCAL configuration with auto-enabled default standards", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "securityhub-org-config", {
                    autoEnable: true,
                    autoEnableStandards: "DEFAULT",
                    organizationConfiguration: { configurationType: "LOCAL" },
                }),
                ["securityhub-central-configuration"],
            );
            assert.match(
                d.message,
                /LOCAL, not CENTRAL; autoEnable is true, not false; autoEnableStandards is DEFAULT/,
            );
        });
    });

    describe("securityhub-required-standards", () => {
        it("rejects a configuration policy missing the CIS standard", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "securityhub-policy", {
                    configurationPolicy: {
                        serviceEnabled: true,
                        enabledStandardArns: [
                            "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0",
                        ],
                    },
                }),
                ["securityhub-required-standards"],
            );
            assert.match(d.message, /cis-aws-foundations-benchmark\/v\/3\.0\.0/);
        });

        it("rejects a configuration policy that disables Security Hub", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "securityhub-policy", {
                    configurationPolicy: { serviceEnabled: false },
                }),
                ["securityhub-required-standards"],
            );
        });

        it("requires the configured standards only", async () => {
            const stack = withInputs(compliantStack(), "securityhub-policy", {
                configurationPolicy: {
                    serviceEnabled: true,
                    enabledStandardArns: ["arn:aws:securityhub:eu-west-1::standards/nist-800-53/v/5.0.0"],
                },
            });
            await withConfig(
                {
                    "securityhub-required-standards": {
                        requiredStandards: ["standards/nist-800-53/v/5.0.0"],
                    },
                },
                async () => expectPolicies(stack, []),
            );
        });
    });

    describe("securityhub-required-standards, for policies applied to OUs", () => {
        const FSBP_ARN =
            "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0";
        const ASSOCIATION = "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation";
        const sandboxPolicy = resource(
            "aws:securityhub/configurationPolicy:ConfigurationPolicy",
            "securityhub-policy-ou-sandbox",
            {
                region: "eu-west-1",
                name: "securityhub-sandbox",
                configurationPolicy: { serviceEnabled: true, enabledStandardArns: [FSBP_ARN] },
            },
        );
        /** An association of the sandbox policy with `targetId`, linked as the engine links it: by policyId. */
        const association = (name: string, targetId: string) => ({
            ...resource(ASSOCIATION, name, {
                region: "eu-west-1",
                targetId,
                policyId: "e0390b76-2cc0-44c1-a126-3e8a72ccc6d3",
            }),
            propertyDependencies: { policyId: [sandboxPolicy.urn] },
        });
        const lighter = {
            "securityhub-required-standards": {
                organizationalUnitStandards: ["standards/aws-foundational-security-best-practices/v/1.0.0"],
            },
        };

        it("holds a policy applied to OUs alone to organizationalUnitStandards", async () => {
            const stack = [
                ...compliantStack(),
                sandboxPolicy,
                association("securityhub-ou-sandbox", "ou-ab12-sandbox1"),
            ];
            await withConfig(lighter, async () => expectPolicies(stack, []));
            // Without the setting, an OU's policy is held to the full set, as the root's is.
            const [d] = await expectPolicies(stack, ["securityhub-required-standards"]);
            assert.equal(d.urn, sandboxPolicy.urn);
            assert.ok(
                d.message.endsWith(
                    "\nenabledStandardArns lacks standards/cis-aws-foundations-benchmark/v/3.0.0.",
                ),
                d.message,
            );
        });

        it("holds the same policy to the full set once it is applied to the root or an account too, or to nothing", async () => {
            for (const extra of [
                [
                    association("securityhub-ou-sandbox", "ou-ab12-sandbox1"),
                    association("securityhub-root", "r-ab12"),
                ],
                [association("securityhub-account", "444444444444")],
                [],
            ]) {
                await withConfig(lighter, async () => {
                    const [d] = await expectPolicies(
                        [...compliantStack(), sandboxPolicy, ...extra],
                        ["securityhub-required-standards"],
                    );
                    assert.equal(d.urn, sandboxPolicy.urn);
                });
            }
        });

        it("names organizationalUnitStandards when an OU's policy lacks one of those", async () => {
            const bare = withInputs([sandboxPolicy], sandboxPolicy.name, {
                configurationPolicy: {
                    serviceEnabled: true,
                    enabledStandardArns: ["arn:aws:securityhub:eu-west-1::standards/pci-dss/v/4.0.1"],
                },
            });
            const stack = [
                ...compliantStack(),
                ...bare,
                association("securityhub-ou-sandbox", "ou-ab12-sandbox1"),
            ];
            await withConfig(lighter, async () => {
                const [d] = await expectPolicies(stack, ["securityhub-required-standards"]);
                assert.ok(
                    d.message.endsWith(
                        "\nenabledStandardArns lacks standards/aws-foundational-security-best-practices/v/1.0.0 (organizationalUnitStandards: the policy is applied to OUs alone).",
                    ),
                    d.message,
                );
            });
        });
    });

    describe("securityhub-finding-aggregator", () => {
        it("rejects an organization configuration without a finding aggregator", async () => {
            const [d] = await expectPolicies(without(compliantStack(), "securityhub-aggregator"), [
                "securityhub-finding-aggregator",
            ]);
            assert.equal(
                d.urn,
                urnOf(
                    "aws:securityhub/organizationConfiguration:OrganizationConfiguration",
                    "securityhub-org-config",
                ),
            );
        });

        it("does not require an aggregator without Security Hub organization configuration", async () => {
            await expectPolicies(
                without(compliantStack(), "securityhub-aggregator", "securityhub-org-config"),
                [],
            );
        });
    });

    describe("Macie", () => {
        it("macie-account-enabled rejects a PAUSED account and accepts the default status", async () => {
            await expectPolicies(withInputs(compliantStack(), "macie", { status: "PAUSED" }), [
                "macie-account-enabled",
            ]);
            await expectPolicies(withInputs(compliantStack(), "macie", { status: undefined }), []);
        });

        it("macie-organization-auto-enable rejects autoEnable false", async () => {
            await expectPolicies(withInputs(compliantStack(), "macie-org-config", { autoEnable: false }), [
                "macie-organization-auto-enable",
            ]);
        });

        it("macie-export-kms-encrypted rejects an export without a KMS key", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "macie-export", { s3Destination: { bucketName: BUCKET_NAME } }),
                ["macie-export-kms-encrypted"],
            );
        });
    });

    describe("detective-organization-auto-enable", () => {
        it("rejects autoEnable false", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "detective-org-config", { autoEnable: false }),
                ["detective-organization-auto-enable"],
            );
        });
    });

    describe("inspector-organization-auto-enable", () => {
        it("rejects a required resource type left off", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "inspector-org-config", {
                    autoEnable: { ec2: true, ecr: false },
                }),
                ["inspector-organization-auto-enable"],
            );
            assert.match(d.message, /not true for ecr, lambda/);
        });

        it("follows requiredResourceTypes", async () => {
            const stack = withInputs(compliantStack(), "inspector-org-config", {
                autoEnable: { ec2: true, ecr: true },
            });
            await withConfig(
                { "inspector-organization-auto-enable": { requiredResourceTypes: ["ec2", "ecr"] } },
                async () => expectPolicies(stack, []),
            );
            await withConfig(
                {
                    "inspector-organization-auto-enable": {
                        requiredResourceTypes: ["ec2", "ecr", "lambdaCode"],
                    },
                },
                async () =>
                    expectPolicies(
                        withInputs(stack, "inspector-org-config", {
                            autoEnable: { ec2: true, ecr: true, lambda: true },
                        }),
                        ["inspector-organization-auto-enable"],
                    ),
            );
        });
    });

    describe("inspector-policy-never-disables", () => {
        const scan = (disable: Record<string, unknown>) => ({
            enable_in_regions: { "@@assign": ["eu-west-1"] },
            disable_in_regions: disable,
        });
        const withDocument = (enablement: Record<string, unknown>) =>
            withInputs(compliantStack(), "inspector-organization-policy", {
                type: "INSPECTOR_POLICY",
                content: JSON.stringify({ inspector: { enablement } }),
            });

        it("rejects a region to disable, at any depth and by any operator that adds one", async () => {
            const [d] = await expectPolicies(
                withDocument({ ec2_scanning: scan({ "@@assign": ["us-east-1"] }) }),
                ["inspector-policy-never-disables"],
            );
            assert.match(
                d.message,
                /\ndisable_in_regions is not empty \(ec2_scanning: us-east-1\): .*deletes the findings/,
            );
            const [nested] = await expectPolicies(
                withDocument({
                    lambda_standard_scanning: {
                        ...scan({ "@@assign": [] }),
                        lambda_code_scanning: scan({ "@@append": ["eu-west-2", "eu-west-3"] }),
                    },
                }),
                ["inspector-policy-never-disables"],
            );
            assert.match(
                nested.message,
                /\(lambda_standard_scanning\.lambda_code_scanning: eu-west-2, eu-west-3\)/,
            );
        });

        it("accepts empty disable lists and @@remove, and ignores other policy types", async () => {
            await expectPolicies(
                withDocument({ ec2_scanning: scan({ "@@assign": [], "@@remove": ["us-east-1"] }) }),
                [],
            );
            await expectPolicies(
                withInputs(compliantStack(), "inspector-organization-policy", {
                    type: "TAG_POLICY",
                    content: JSON.stringify({
                        inspector: { enablement: { x: scan({ "@@assign": ["eu-west-1"] }) } },
                    }),
                }),
                [],
            );
        });

        it("rejects content that is not JSON", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "inspector-organization-policy", {
                    type: "INSPECTOR_POLICY",
                    content: "{ inspector",
                }),
                ["inspector-policy-never-disables"],
            );
            assert.match(d.message, /not JSON/);
        });
    });

    describe("securityhub-policy-never-disables", () => {
        const withDocument = (disable: Record<string, unknown>, type = "SECURITYHUB_POLICY") =>
            withInputs(compliantStack(), "inspector-organization-policy", {
                type,
                content: JSON.stringify({
                    securityhub: {
                        enable_in_regions: { "@@assign": ["eu-west-1"] },
                        disable_in_regions: disable,
                    },
                }),
            });

        it("rejects a region to disable, by any operator that adds one, ALL_SUPPORTED included", async () => {
            for (const disable of [{ "@@assign": ["us-east-1"] }, { "@@append": ["ALL_SUPPORTED"] }]) {
                const [d] = await expectPolicies(withDocument(disable), [
                    "securityhub-policy-never-disables",
                ]);
                assert.match(
                    d.message,
                    /\ndisable_in_regions is not empty \((us-east-1|ALL_SUPPORTED)\): .*takes precedence/,
                );
            }
        });

        it("accepts an empty disable list, @@remove and child-control operators, and ignores other policy types", async () => {
            await expectPolicies(withDocument({ "@@assign": [], "@@remove": ["us-east-1"] }), []);
            // The documented way to stop a child policy from changing the list names no region.
            await expectPolicies(
                withDocument({ "@@assign": [], "@@operators_allowed_for_child_policies": ["@@none"] }),
                [],
            );
            await expectPolicies(withDocument({ "@@assign": ["us-east-1"] }, "TAG_POLICY"), []);
        });
    });

    describe("delegated-admin-single-account", () => {
        it("rejects services delegated to different accounts", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "macie-admin", { adminAccountId: "333333333333" }),
                ["delegated-admin-single-account"],
            );
            assert.equal(d.urn, "");
            assert.match(
                d.message,
                new RegExp(`2 accounts: ${SECURITY_ACCOUNT} \\(.*\\); 333333333333 \\(macie2 macie-admin\\)`),
            );
        });

        it("compares the account named by every kind of designation", async () => {
            for (const [name, property] of [
                ["guardduty-admin", "adminAccountId"],
                ["securityhub-admin", "adminAccountId"],
                ["detective-admin", "accountId"],
                ["inspector-admin", "accountId"],
                ["org-delegated-admin", "accountId"],
            ]) {
                const found = byPolicy(
                    await analyze(withInputs(compliantStack(), name, { [property]: "444444444444" })),
                    "delegated-admin-single-account",
                );
                assert.equal(found.length, 1, name);
            }
        });
    });

    describe("delegated-admin-not-management-account", () => {
        const config = {
            "delegated-admin-not-management-account": { managementAccountId: MANAGEMENT_ACCOUNT },
        };

        it("rejects delegating to the configured management account", async () => {
            let stack = compliantStack();
            for (const [name, property] of [
                ["guardduty-admin", "adminAccountId"],
                ["securityhub-admin", "adminAccountId"],
                ["macie-admin", "adminAccountId"],
                ["detective-admin", "accountId"],
                ["inspector-admin", "accountId"],
                ["org-delegated-admin", "accountId"],
            ]) {
                stack = withInputs(stack, name, { [property]: MANAGEMENT_ACCOUNT });
            }
            await withConfig(config, async () => {
                const found = await expectPolicies(stack, ["delegated-admin-not-management-account"]);
                assert.equal(found.length, 6);
            });
        });

        it("accepts the security account, and does not apply without managementAccountId", async () => {
            await withConfig(config, async () => expectPolicies(compliantStack(), []));
            const stack = withInputs(compliantStack(), "guardduty-admin", {
                adminAccountId: MANAGEMENT_ACCOUNT,
            });
            assert.deepEqual(byPolicy(await analyze(stack), "delegated-admin-not-management-account"), []);
        });
    });

    describe("sns-topic-kms-encrypted", () => {
        it("rejects an unencrypted topic", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "findings-topic", { kmsMasterKeyId: undefined }),
                ["sns-topic-kms-encrypted"],
            );
        });

        it("rejects the AWS managed key, which EventBridge cannot use", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "findings-topic", { kmsMasterKeyId: "alias/aws/sns" }),
                ["sns-topic-kms-encrypted"],
            );
        });
    });

    describe("findings-notification-path (advisory)", () => {
        it("warns when no rule matches GuardDuty or Security Hub findings", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "findings-rule", {
                    eventPattern: JSON.stringify({ source: ["aws.ec2"] }),
                }),
                ["findings-notification-path"],
            );
            assert.equal(d.level, "advisory");
        });

        it("warns when the rule's target is not a topic", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "findings-target", {
                    arn: "arn:aws:sqs:eu-west-1:222222222222:q",
                }),
                ["findings-notification-path"],
            );
        });

        it("follows the target to its rule and topic through dependencies when names are not known", async () => {
            const stack = withResource(compliantStack(), "findings-target", (r) => ({
                ...r,
                inputs: { ...r.inputs, rule: "rule-mock-id", arn: "topic-mock-arn" },
                dependsOn: [
                    urnOf("aws:cloudwatch/eventRule:EventRule", "findings-rule"),
                    urnOf("aws:sns/topic:Topic", "findings-topic"),
                ],
            }));
            await expectPolicies(stack, []);
        });

        it("links a target to a rule without a name input (auto-named) in the same region only", async () => {
            const autonamed = withInputs(
                withInputs(compliantStack(), "findings-rule", { name: undefined }),
                "findings-target",
                { rule: "findings-rule-4f2a9c1" },
            );
            await expectPolicies(autonamed, []);
            await expectPolicies(withInputs(autonamed, "findings-target", { region: "us-east-1" }), [
                "findings-notification-path",
            ]);
        });

        it("does not apply to a stack without GuardDuty or Security Hub", async () => {
            const stack = compliantStack().filter(
                (r) =>
                    !r.type.startsWith("aws:guardduty/") &&
                    !r.type.startsWith("aws:securityhub/") &&
                    !r.type.startsWith("aws:cloudwatch/"),
            );
            assert.deepEqual(byPolicy(await analyze(stack), "findings-notification-path"), []);
        });
    });
});
