import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { policies } from "../policies/all";
import {
    PackInfo,
    PolicyPackSession,
    loadPolicyPackConfig,
    reconcilePolicyPackConfig,
    runPolicyPack,
} from "../tools/policy-driver";
import {
    HOME_REGION,
    UNKNOWN_VALUE,
    awsProvider,
    compliantStack,
    providerRef,
    resource,
    withInputs,
    withResource,
} from "./helpers/policy-fixtures";
import {
    analyze,
    byPolicy,
    mandatory,
    policyNames,
    policySession,
    withConfig,
} from "./helpers/policy-session";

const PACK_DIR = path.resolve(__dirname, "..", "policies");

function tempConfig(config: unknown): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify(config));
    return file;
}

describe("policy pack (run through the analyzer gRPC protocol)", function () {
    let info: PackInfo;

    before(async function () {
        this.timeout(120_000);
        info = (await policySession()).info();
    });

    describe("the pack", () => {
        it("serves every policy of policies/all.ts under the pack name and version", () => {
            assert.equal(info.name, "security-governance");
            assert.equal(info.version, "0.1.0");
            assert.deepEqual(
                info.policies.map((p) => p.name),
                policies.map((p) => p.name),
            );
        });

        it("gives each policy a unique kebab-case name, a one-line description and an enforcement level", () => {
            const names = new Set<string>();
            for (const policy of policies) {
                assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, policy.name);
                assert.ok(!names.has(policy.name), `duplicate ${policy.name}`);
                names.add(policy.name);
                assert.ok(policy.description.length > 0 && !policy.description.includes("\n"), policy.name);
                assert.ok(policy.enforcementLevel, `${policy.name} has no enforcement level`);
            }
        });

        it("is mandatory except for the advisory finding notification path", () => {
            const advisory = info.policies
                .filter((p) => p.enforcementLevel !== "mandatory")
                .map((p) => p.name);
            assert.deepEqual(advisory, ["findings-notification-path"]);
        });

        it("publishes the configSchema of configurable policies with their defaults", () => {
            const defaults = Object.fromEntries(
                info.policies
                    .filter((p) => p.configSchema)
                    .map((p) => [
                        p.name,
                        Object.fromEntries(
                            Object.entries(p.configSchema?.properties ?? {}).map(([k, v]) => [k, v.default]),
                        ),
                    ]),
            );
            assert.deepEqual(defaults, {
                "guardduty-finding-publishing-frequency": { maxPublishingFrequency: "FIFTEEN_MINUTES" },
                "guardduty-organization-protections": {
                    requiredProtections: [
                        "S3_DATA_EVENTS",
                        "EKS_AUDIT_LOGS",
                        "EBS_MALWARE_PROTECTION",
                        "RDS_LOGIN_EVENTS",
                        "LAMBDA_NETWORK_LOGS",
                        "RUNTIME_MONITORING",
                        "AI_PROTECTION",
                    ],
                    protectionsNotOfferedIn: { RDS_LOGIN_EVENTS: ["ap-east-2"], AI_PROTECTION: [] },
                },
                "guardduty-filter-safe-archive": { maxArchivedSeverity: 7 },
                "findings-bucket-retention": { minRetentionDays: 365 },
                "data-resources-protected": { requireProtection: true },
                "kms-key-deletion-window": { minDeletionWindowDays: 30 },
                "securityhub-required-standards": {
                    requiredStandards: [
                        "standards/aws-foundational-security-best-practices/v/1.0.0",
                        "standards/cis-aws-foundations-benchmark/v/3.0.0",
                    ],
                    organizationalUnitStandards: undefined,
                },
                "inspector-organization-auto-enable": { requiredResourceTypes: ["ec2", "ecr", "lambda"] },
                "delegated-admin-not-management-account": { managementAccountId: undefined },
                "guardrails-attached": { required: false },
                "guardrails-exempt-deployer": { deployerRoleArns: undefined },
                "findings-bucket-object-lock": { requiredMode: undefined, minDays: 1 },
            });
        });

        it("lists every policy in the pack's README, and docs/policy-pack.md states how many there are", () => {
            const table = fs.readFileSync(path.join(__dirname, "..", "policies", "README.md"), "utf8");
            const rows = [
                ...table.matchAll(/^\| `([a-z0-9-]+)`(?: \(advisory\))? +\| (?:resource|stack) /gm),
            ].map((m) => m[1]);
            assert.deepEqual([...rows].sort(), policies.map((p) => p.name).sort());
            const guide = fs.readFileSync(path.join(__dirname, "..", "docs", "policy-pack.md"), "utf8");
            assert.match(guide, new RegExp(`CrossGuard pack of ${policies.length} policies`));
        });

        it("types and describes every config property, so a config file is checked and documented", () => {
            const shapes = Object.fromEntries(
                info.policies
                    .filter((p) => p.configSchema)
                    .map((p) => [
                        p.name,
                        Object.fromEntries(
                            Object.entries(p.configSchema?.properties ?? {}).map(([k, v]) => [
                                k,
                                [v.type, v.items?.type].filter((t) => t !== undefined).join(" of "),
                            ]),
                        ),
                    ]),
            );
            assert.deepEqual(shapes, {
                "guardduty-finding-publishing-frequency": { maxPublishingFrequency: "string" },
                "guardduty-organization-protections": {
                    requiredProtections: "array of string",
                    protectionsNotOfferedIn: "object",
                },
                "guardduty-filter-safe-archive": { maxArchivedSeverity: "number" },
                "findings-bucket-retention": { minRetentionDays: "integer" },
                "data-resources-protected": { requireProtection: "boolean" },
                "kms-key-deletion-window": { minDeletionWindowDays: "integer" },
                "securityhub-required-standards": {
                    requiredStandards: "array of string",
                    organizationalUnitStandards: "array of string",
                },
                "inspector-organization-auto-enable": { requiredResourceTypes: "array of string" },
                "delegated-admin-not-management-account": { managementAccountId: "string" },
                "guardrails-attached": { required: "boolean" },
                "guardrails-exempt-deployer": { deployerRoleArns: "array of string" },
                "findings-bucket-object-lock": { requiredMode: "string", minDays: "integer" },
            });
            for (const p of info.policies) {
                for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
                    const description = (schema as { description?: unknown }).description;
                    assert.ok(
                        typeof description === "string" && description.length >= 20,
                        `${p.name}.${key} has no description`,
                    );
                }
            }
        });

        it("finds nothing wrong with a compliant organization stack", async () => {
            assert.deepEqual(await analyze(compliantStack()), []);
        });

        it("finds nothing wrong when every resource names its region instead of leaving it to the provider", async () => {
            assert.deepEqual(await analyze(compliantStack({ region: HOME_REGION })), []);
        });

        it("reports a disabled detector as guardduty-detector-enabled on the detector's URN", async () => {
            const stack = withInputs(compliantStack(), "detector", { enable: false });
            const found = await analyze(stack);
            assert.deepEqual(policyNames(found), ["guardduty-detector-enabled"]);
            const [d] = found;
            assert.equal(d.level, "mandatory");
            assert.equal(d.urn, stack.find((r) => r.name === "detector")?.urn);
            assert.match(d.message, /enable: false/);
        });
    });

    describe("configuration", () => {
        it("fills configSchema defaults for policies a config file does not mention", async () => {
            await withConfig({ "kms-key-rotation-enabled": "advisory" }, async () => {
                const s = await policySession();
                assert.deepEqual(s.config()["findings-bucket-retention"], {
                    enforcementLevel: "mandatory",
                    properties: { minRetentionDays: 365 },
                });
                assert.equal(s.config()["kms-key-rotation-enabled"].enforcementLevel, "advisory");
            });
        });

        it("applies the default of a key the file omits, and the file's value when it sets it", async () => {
            const stack = withInputs(compliantStack(), "bucket-lifecycle", {
                rules: [{ id: "short", status: "Enabled", expiration: { days: 200 } }],
            });
            const omitted = tempConfig({ "findings-bucket-retention": { enforcementLevel: "mandatory" } });
            await withConfig(omitted, async () => {
                const found = await analyze(stack);
                assert.deepEqual(policyNames(found), ["findings-bucket-retention"]);
                assert.match(found[0].message, /after 200 days; keep them at least 365/);
            });
            const relaxed = tempConfig({ "findings-bucket-retention": { minRetentionDays: 180 } });
            await withConfig(relaxed, async () => {
                assert.deepEqual(await analyze(stack), []);
            });
        });

        it("applies 'all' first and per-policy levels over it, as the CLI does", () => {
            const resolved = reconcilePolicyPackConfig(info, {
                all: "advisory",
                "guardduty-detector-enabled": "mandatory",
                "kms-key-deletion-window": { enforcementLevel: "disabled", minDeletionWindowDays: 10 },
            });
            assert.equal(resolved["guardduty-detector-enabled"].enforcementLevel, "mandatory");
            assert.equal(resolved["sns-topic-kms-encrypted"].enforcementLevel, "advisory");
            assert.deepEqual(resolved["kms-key-deletion-window"], {
                enforcementLevel: "disabled",
                properties: { minDeletionWindowDays: 10 },
            });
        });

        it("rejects values the configSchema forbids", () => {
            assert.throws(
                () =>
                    reconcilePolicyPackConfig(info, {
                        "kms-key-deletion-window": { minDeletionWindowDays: 3 },
                    }),
                /kms-key-deletion-window\.minDeletionWindowDays: 3 is less than the minimum 7/,
            );
            assert.throws(
                () =>
                    reconcilePolicyPackConfig(info, {
                        "guardduty-finding-publishing-frequency": { maxPublishingFrequency: "DAILY" },
                    }),
                /is not one of/,
            );
        });

        it("rejects a config naming a policy the pack does not have", async () => {
            const s = await policySession();
            await assert.rejects(
                s.configure({ "guardduty-detector-enable": "mandatory" }),
                /guardduty-detector-enable/,
            );
        });

        it("reports nothing for a disabled policy", async () => {
            const stack = withInputs(compliantStack(), "detector", { enable: false });
            await withConfig({ "guardduty-detector-enabled": "disabled" }, async () => {
                assert.deepEqual(await analyze(stack), []);
            });
        });

        it("prod config: strict thresholds, and the advisory notification path becomes mandatory", async () => {
            const stack = withResource(
                withInputs(compliantStack(), "key", { deletionWindowInDays: 7 }),
                "findings-target",
                (r) => ({ ...r, inputs: { ...r.inputs, arn: "arn:aws:lambda:eu-west-1:1:function:x" } }),
            );
            await withConfig(path.join(PACK_DIR, "config.prod.json"), async () => {
                const found = await analyze(stack);
                // The fixture has no guardrails and no Object Lock, which prod requires.
                assert.deepEqual(policyNames(found), [
                    "findings-bucket-object-lock",
                    "findings-notification-path",
                    "guardrails-attached",
                    "kms-key-deletion-window",
                ]);
                assert.ok(found.every((d) => d.level === "mandatory"));
            });
        });

        it("dev config: a 7-day deletion window and 90-day retention pass, unprotected data is advisory", async () => {
            let stack = withInputs(compliantStack(), "key", { deletionWindowInDays: 7 });
            stack = withInputs(stack, "bucket-lifecycle", {
                rules: [{ id: "dev", status: "Enabled", expiration: { days: 90 } }],
            });
            stack = withResource(stack, "detector", (r) => ({ ...r, protect: false }));
            await withConfig(path.join(PACK_DIR, "config.dev.json"), async () => {
                const found = await analyze(stack);
                assert.deepEqual(policyNames(found), ["data-resources-protected"]);
                assert.equal(found[0].level, "advisory");
            });
            const strict = await analyze(stack);
            assert.deepEqual(policyNames(strict), [
                "data-resources-protected",
                "findings-bucket-retention",
                "kms-key-deletion-window",
            ]);
        });

        it("prod config holds the organization's standard values, which no edit may weaken unnoticed", () => {
            const prod = JSON.parse(
                fs.readFileSync(path.join(PACK_DIR, "config.prod.json"), "utf8"),
            ) as Record<string, unknown>;
            assert.equal(prod.all, "mandatory");
            assert.deepEqual(prod["findings-bucket-retention"], { minRetentionDays: 365 });
            assert.deepEqual(prod["kms-key-deletion-window"], { minDeletionWindowDays: 30 });
            assert.deepEqual(prod["guardduty-filter-safe-archive"], { maxArchivedSeverity: 7 });
            assert.deepEqual(prod["guardduty-finding-publishing-frequency"], {
                maxPublishingFrequency: "FIFTEEN_MINUTES",
            });
            assert.deepEqual(prod["data-resources-protected"], { requireProtection: true });
            assert.deepEqual(prod["inspector-organization-auto-enable"], {
                requiredResourceTypes: ["ec2", "ecr", "lambda"],
            });
            assert.deepEqual(
                [
                    ...(prod["guardduty-organization-protections"] as { requiredProtections: string[] })
                        .requiredProtections,
                ].sort(),
                [
                    "AI_PROTECTION",
                    "EBS_MALWARE_PROTECTION",
                    "EKS_AUDIT_LOGS",
                    "LAMBDA_NETWORK_LOGS",
                    "RDS_LOGIN_EVENTS",
                    "RUNTIME_MONITORING",
                    "S3_DATA_EVENTS",
                ],
            );
        });

        it("both committed config files name only policies of the pack and pass the schema", () => {
            for (const file of ["config.prod.json", "config.dev.json"]) {
                const config = loadPolicyPackConfig(path.join(PACK_DIR, file));
                assert.doesNotThrow(() => reconcilePolicyPackConfig(info, config), file);
            }
        });
    });

    describe("unknown values during preview", () => {
        it("raise no mandatory violation, and no 'can't run during preview' advisory either", async () => {
            let stack = compliantStack();
            const bucketUrn = stack.find((r) => r.name === "bucket")?.urn ?? "";
            const unknownInputs: Record<string, Record<string, unknown>> = {
                detector: { enable: UNKNOWN_VALUE, findingPublishingFrequency: UNKNOWN_VALUE },
                "org-config": { autoEnableOrganizationMembers: UNKNOWN_VALUE },
                "feature-runtime_monitoring": { autoEnable: UNKNOWN_VALUE },
                key: { policy: UNKNOWN_VALUE, enableKeyRotation: UNKNOWN_VALUE },
                "bucket-encryption": {
                    bucket: UNKNOWN_VALUE,
                    rules: [
                        {
                            applyServerSideEncryptionByDefault: {
                                sseAlgorithm: "aws:kms",
                                kmsMasterKeyId: UNKNOWN_VALUE,
                            },
                            bucketKeyEnabled: true,
                        },
                    ],
                },
                "bucket-public-access-block": { bucket: UNKNOWN_VALUE },
                "bucket-versioning": { bucket: UNKNOWN_VALUE },
                "bucket-policy": { bucket: UNKNOWN_VALUE, policy: UNKNOWN_VALUE },
                "bucket-lifecycle": { bucket: UNKNOWN_VALUE, rules: UNKNOWN_VALUE },
                "publishing-destination": { destinationArn: UNKNOWN_VALUE, kmsKeyArn: UNKNOWN_VALUE },
                "trusted-ips": { activate: UNKNOWN_VALUE },
                "suppress-scanner": { findingCriteria: { criterions: UNKNOWN_VALUE } },
                "securityhub-org-config": { organizationConfiguration: UNKNOWN_VALUE },
                "securityhub-policy": {
                    configurationPolicy: { serviceEnabled: true, enabledStandardArns: UNKNOWN_VALUE },
                },
                "macie-export": { s3Destination: { bucketName: UNKNOWN_VALUE, kmsKeyArn: UNKNOWN_VALUE } },
                "guardduty-admin": { adminAccountId: UNKNOWN_VALUE },
                "findings-topic": { kmsMasterKeyId: UNKNOWN_VALUE },
                "findings-rule": { name: UNKNOWN_VALUE, eventPattern: UNKNOWN_VALUE },
                "findings-target": { rule: UNKNOWN_VALUE, arn: UNKNOWN_VALUE },
            };
            for (const [name, inputs] of Object.entries(unknownInputs)) {
                stack = withInputs(stack, name, inputs);
            }
            // The engine still knows which resources an unknown input came from.
            for (const name of [
                "bucket-encryption",
                "bucket-public-access-block",
                "bucket-versioning",
                "bucket-policy",
                "bucket-lifecycle",
                "publishing-destination",
            ]) {
                stack = withResource(stack, name, (r) => ({ ...r, dependsOn: [...r.dependsOn, bucketUrn] }));
            }
            assert.deepEqual(await analyze(stack), []);
        });

        it("still report the known violations of a resource with unknown inputs", async () => {
            const stack = withInputs(compliantStack(), "detector", {
                enable: false,
                findingPublishingFrequency: UNKNOWN_VALUE,
            });
            assert.deepEqual(policyNames(await analyze(stack)), ["guardduty-detector-enabled"]);
        });

        it("do not hide a findings bucket's missing controls when the bucket is known through dependencies", async () => {
            let stack = compliantStack().filter((r) => r.name !== "bucket-encryption");
            const bucketUrn = stack.find((r) => r.name === "bucket")?.urn ?? "";
            stack = withResource(stack, "publishing-destination", (r) => ({
                ...r,
                inputs: { ...r.inputs, destinationArn: UNKNOWN_VALUE },
                dependsOn: [bucketUrn],
            }));
            stack = withResource(stack, "macie-export", (r) => ({
                ...r,
                inputs: {
                    ...r.inputs,
                    s3Destination: { bucketName: UNKNOWN_VALUE, kmsKeyArn: UNKNOWN_VALUE },
                },
                dependsOn: [bucketUrn],
            }));
            const found = await analyze(stack);
            assert.deepEqual(policyNames(found), ["findings-bucket-encrypted"]);
            assert.equal(mandatory(found).length, 1);
        });
    });

    describe("providers and regions", () => {
        it("reads the region from the resource's provider when the resource names none", async () => {
            // Detector on the home-region provider; its exporter explicitly in another region.
            const stack = withInputs(compliantStack(), "publishing-destination", { region: "us-east-1" });
            const found = byPolicy(await analyze(stack), "guardduty-region-coverage");
            assert.equal(found.length, 1);
            assert.match(
                found[0].message,
                /Region eu-west-1 has a detector but lacks a publishing destination/,
            );
        });

        it("treats resources without region or provider region as one default region", async () => {
            const bare = awsProvider("bare");
            const stack = compliantStack({ organization: false }).map((r) =>
                r.type === "pulumi:providers:aws" ? bare : { ...r, provider: providerRef(bare) },
            );
            assert.deepEqual(mandatory(await analyze(stack)), []);
            const detectorOnly = [
                bare,
                resource(
                    "aws:guardduty/detector:Detector",
                    "lonely",
                    { findingPublishingFrequency: "FIFTEEN_MINUTES" },
                    { provider: providerRef(bare), protect: true },
                ),
            ];
            const found = byPolicy(await analyze(detectorOnly), "guardduty-region-coverage");
            assert.match(found[0]?.message ?? "", /Region \(provider default region\) has a detector/);
        });
    });

    describe("the driver", () => {
        it("analyzes a multi-region stack of ~700 resources in one session", async function () {
            this.timeout(120_000);
            const regions = Array.from({ length: 35 }, (_, i) => `region-${i}`);
            const stack = regions.flatMap((region, i) =>
                compliantStack({ suffix: `-${i}`, region, organization: i === 0 }),
            );
            assert.ok(stack.length >= 700, `${stack.length} resources`);
            assert.deepEqual(await analyze(stack), []);
            const broken = withInputs(stack, "detector-17", { enable: false });
            const found = await analyze(broken);
            assert.deepEqual(
                found.map((d) => [d.policy, d.urn]),
                [["guardduty-detector-enabled", broken.find((r) => r.name === "detector-17")?.urn]],
            );
        });

        it("runPolicyPack starts a pack of its own, applies the config file and stops it", async function () {
            this.timeout(120_000);
            const stack = withInputs(compliantStack(), "key", { deletionWindowInDays: 10 });
            const found = await runPolicyPack(stack, {
                packDir: PACK_DIR,
                configFile: path.join(PACK_DIR, "config.dev.json"),
            });
            assert.deepEqual(found, []);
        });

        it("fails to start with the pack's own error when the pack directory holds no pack", async function () {
            this.timeout(60_000);
            const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-pack-"));
            fs.writeFileSync(
                path.join(empty, "package.json"),
                JSON.stringify({ name: "x", version: "1.0.0" }),
            );
            await assert.rejects(PolicyPackSession.start({ packDir: empty }), /policy pack did not start/);
        });
    });
});
