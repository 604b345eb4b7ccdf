import * as assert from "node:assert/strict";
import {
    compliantStack,
    resource,
    UNKNOWN_VALUE,
    urnOf,
    withInputs,
    withResource,
    without,
} from "./helpers/policy-fixtures";
import { analyze, byPolicy, expectPolicies, policySession, withConfig } from "./helpers/policy-session";

const FILTER = "suppress-scanner";
const TYPE_CRITERION = { field: "type", equals: ["Recon:EC2/PortProbeUnprotectedPort"] };
const DETECTOR_URN = urnOf("aws:guardduty/detector:Detector", "detector");
const DETECTOR_US_URN = urnOf("aws:guardduty/detector:Detector", "detector-us");

function withCriteria(criterions: unknown[], action = "ARCHIVE") {
    return withInputs(compliantStack(), FILTER, { action, findingCriteria: { criterions } });
}

describe("GuardDuty policies", function () {
    before(async function () {
        this.timeout(120_000);
        await policySession();
    });

    describe("guardduty-detector-enabled", () => {
        it("accepts a detector that leaves enable to its default (true)", async () => {
            await expectPolicies(withInputs(compliantStack(), "detector", { enable: undefined }), []);
        });

        it("rejects enable: false", async () => {
            await expectPolicies(withInputs(compliantStack(), "detector", { enable: false }), [
                "guardduty-detector-enabled",
            ]);
        });
    });

    describe("guardduty-finding-publishing-frequency", () => {
        it("rejects ONE_HOUR under the default maximum FIFTEEN_MINUTES", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "detector", { findingPublishingFrequency: "ONE_HOUR" }),
                ["guardduty-finding-publishing-frequency"],
            );
            assert.match(d.message, /ONE_HOUR; it must be FIFTEEN_MINUTES or more frequent/);
        });

        it("rejects an unset frequency, which GuardDuty treats as SIX_HOURS", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "detector", { findingPublishingFrequency: undefined }),
                ["guardduty-finding-publishing-frequency"],
            );
            assert.match(d.message, /SIX_HOURS/);
        });

        it("accepts ONE_HOUR when maxPublishingFrequency is ONE_HOUR, but still not SIX_HOURS", async () => {
            const config = {
                "guardduty-finding-publishing-frequency": { maxPublishingFrequency: "ONE_HOUR" },
            };
            await withConfig(config, async () => {
                await expectPolicies(
                    withInputs(compliantStack(), "detector", { findingPublishingFrequency: "ONE_HOUR" }),
                    [],
                );
                await expectPolicies(
                    withInputs(compliantStack(), "detector", { findingPublishingFrequency: "SIX_HOURS" }),
                    ["guardduty-finding-publishing-frequency"],
                );
            });
        });
    });

    describe("guardduty-organization-auto-enable-all", () => {
        it('rejects auto-enabling only NEW accounts (the compliant stack uses "ALL")', async () => {
            await expectPolicies(
                withInputs(compliantStack(), "org-config", { autoEnableOrganizationMembers: "NEW" }),
                ["guardduty-organization-auto-enable-all"],
            );
        });
    });

    describe("guardduty-organization-protections", () => {
        it("names a required protection that has no feature", async () => {
            const [d] = await expectPolicies(without(compliantStack(), "feature-rds_login_events"), [
                "guardduty-organization-protections",
            ]);
            assert.match(d.message, /does not auto-enable RDS_LOGIN_EVENTS for ALL/);
            assert.equal(d.urn, urnOf("aws:guardduty/detector:Detector", "detector"));
        });

        it("requires AI Protection by default, auto-enabled for ALL, and excuses it only where configured", async () => {
            const [missing] = await expectPolicies(without(compliantStack(), "feature-ai_protection"), [
                "guardduty-organization-protections",
            ]);
            assert.match(missing.message, /does not auto-enable AI_PROTECTION for ALL/);
            const [off] = await expectPolicies(
                withInputs(compliantStack(), "feature-ai_protection", { autoEnable: "NONE" }),
                ["guardduty-organization-protections"],
            );
            assert.match(off.message, /not auto-enabled for ALL: AI_PROTECTION \(NONE\)/);
            // The pack's default table, like the program's, names no region without AI Protection.
            await expectPolicies(without(compliantStack({ region: "ap-east-2" }), "feature-ai_protection"), [
                "guardduty-organization-protections",
            ]);
            const taipei = without(
                compliantStack({ region: "ap-east-2" }),
                "feature-ai_protection",
                "feature-rds_login_events",
            );
            await withConfig(
                {
                    "guardduty-organization-protections": {
                        // As the operations guide says to: the built-in RDS_LOGIN_EVENTS entry still holds.
                        protectionsNotOfferedIn: { AI_PROTECTION: ["ap-east-2"] },
                    },
                },
                async () => expectPolicies(taipei, []),
            );
        });

        it("rejects a protection auto-enabled for NEW accounts only", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "feature-s3_data_events", { autoEnable: "NEW" }),
                ["guardduty-organization-protections"],
            );
            assert.match(d.message, /S3_DATA_EVENTS .*not auto-enabled for ALL: S3_DATA_EVENTS \(NEW\)/);
        });

        it("requires only the configured protections", async () => {
            const stack = without(compliantStack(), "feature-lambda_network_logs");
            await withConfig(
                {
                    "guardduty-organization-protections": {
                        requiredProtections: ["S3_DATA_EVENTS", "RUNTIME_MONITORING"],
                    },
                },
                async () => expectPolicies(stack, []),
            );
            await expectPolicies(stack, ["guardduty-organization-protections"]);
        });

        it("does not require RDS_LOGIN_EVENTS of a detector in ap-east-2, where GuardDuty does not offer it", async () => {
            const taipei = without(compliantStack({ region: "ap-east-2" }), "feature-rds_login_events");
            await expectPolicies(taipei, []);
            // Every plan offered there is still required, and the excused one is not named.
            const [d] = await expectPolicies(without(taipei, "feature-s3_data_events"), [
                "guardduty-organization-protections",
            ]);
            assert.match(
                d.message,
                /region ap-east-2 does not auto-enable S3_DATA_EVENTS for ALL organization/,
            );
            // The same stack one region over must enable it.
            const [ireland] = await expectPolicies(
                without(compliantStack({ region: "eu-west-1" }), "feature-rds_login_events"),
                ["guardduty-organization-protections"],
            );
            assert.match(ireland.message, /region eu-west-1 does not auto-enable RDS_LOGIN_EVENTS for ALL/);
        });

        it("excuses a plan only where protectionsNotOfferedIn says, and holds a detector of unknown region to all", async () => {
            const stack = without(compliantStack({ region: "ap-east-2" }), "feature-rds_login_events");
            await withConfig(
                {
                    "guardduty-organization-protections": {
                        protectionsNotOfferedIn: { AI_PROTECTION: ["me-south-1"] },
                    },
                },
                async () =>
                    expectPolicies(without(stack, "feature-ai_protection"), [
                        "guardduty-organization-protections",
                    ]),
            );
            await withConfig(
                {
                    "guardduty-organization-protections": {
                        protectionsNotOfferedIn: {
                            S3_DATA_EVENTS: ["ap-east-2"],
                            RDS_LOGIN_EVENTS: ["ap-east-2"],
                        },
                    },
                },
                async () => expectPolicies(without(stack, "feature-s3_data_events"), []),
            );
            const unknownRegion = withInputs(stack, "detector", { region: UNKNOWN_VALUE });
            const [d] = await expectPolicies(unknownRegion, ["guardduty-organization-protections"]);
            assert.match(d.message, /an unknown region does not auto-enable RDS_LOGIN_EVENTS/);
        });

        it("refuses protectionsNotOfferedIn that is not a list of region codes per protection", async () => {
            // Catches a schema that stopped checking the map's values: a typo would excuse nothing, silently.
            for (const value of [
                { RDS_LOGIN_EVENTS: "ap-east-2" },
                { RDS_LOGIN_EVENTS: [7] },
                { RDS_LOGIN_EVENTS: ["Taipei"] },
            ]) {
                await assert.rejects(
                    withConfig(
                        { "guardduty-organization-protections": { protectionsNotOfferedIn: value } },
                        async () => undefined,
                    ),
                    /protectionsNotOfferedIn/,
                    JSON.stringify(value),
                );
            }
            const info = (await policySession()).info();
            const schema = info.policies.find(
                (p) => p.name === "guardduty-organization-protections",
            )?.configSchema;
            assert.equal(
                (schema?.properties.protectionsNotOfferedIn as { description?: string } | undefined)
                    ?.description,
                "Regions, per protection, where GuardDuty does not offer it, added to the pack's own table (RDS_LOGIN_EVENTS in ap-east-2); a required protection is not required of a detector there.",
            );
        });

        it("rejects RUNTIME_MONITORING together with EKS_RUNTIME_MONITORING", async () => {
            const stack = [
                ...compliantStack(),
                resource(
                    "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature",
                    "feature-eks-runtime",
                    { detectorId: "detector-id", name: "EKS_RUNTIME_MONITORING", autoEnable: "ALL" },
                    { provider: compliantStack()[1].provider },
                ),
            ];
            const [d] = await expectPolicies(stack, ["guardduty-organization-protections"]);
            assert.match(d.message, /both RUNTIME_MONITORING and EKS_RUNTIME_MONITORING/);
        });

        it("judges each detector by the features of its own region", async () => {
            const home = compliantStack({ region: "eu-west-1", organization: false });
            const other = compliantStack({ region: "us-east-1", suffix: "-us", organization: false }).filter(
                (r) => !r.name.startsWith("feature-ebs"),
            );
            const found = byPolicy(await analyze([...home, ...other]), "guardduty-organization-protections");
            assert.deepEqual(
                found.map((d) => d.urn),
                [urnOf("aws:guardduty/detector:Detector", "detector-us")],
            );
            assert.match(found[0].message, /region us-east-1 does not auto-enable EBS_MALWARE_PROTECTION/);
        });

        it("follows the engine's dependency from a feature to its detector before the region", async () => {
            // The feature names no region, but depends on the us-east-1 detector: it does not count for eu-west-1.
            const home = compliantStack({ region: "eu-west-1", organization: false });
            const other = compliantStack({ region: "us-east-1", suffix: "-us", organization: false });
            const stack = withResource([...home, ...other], "feature-ebs_malware_protection", (r) => ({
                ...r,
                inputs: { ...r.inputs, region: undefined },
                dependsOn: [urnOf("aws:guardduty/detector:Detector", "detector-us")],
            }));
            const found = byPolicy(await analyze(stack), "guardduty-organization-protections");
            assert.deepEqual(
                found.map((d) => d.urn),
                [urnOf("aws:guardduty/detector:Detector", "detector")],
            );
        });

        it("a feature that depends on two detectors is matched by its region", async () => {
            // Catches giving such a feature to the first of its detectors instead of falling back to the region.
            const home = compliantStack({ region: "eu-west-1", organization: false });
            const other = compliantStack({ region: "us-east-1", suffix: "-us", organization: false });
            let stack = [...home, ...other];
            for (const feature of other.filter((r) => r.name.startsWith("feature-"))) {
                stack = withResource(stack, feature.name, (r) => ({
                    ...r,
                    dependsOn: [DETECTOR_URN, DETECTOR_US_URN],
                }));
            }
            assert.deepEqual(byPolicy(await analyze(stack), "guardduty-organization-protections"), []);
        });

        it("the detectorId dependency decides, not every dependency", async () => {
            // The eu-west-1 features name us-east-1 and also depend on its detector, but their detectorId is the
            // eu-west-1 detector's. Catches reading every dependency: two detectors, so the region would decide.
            const home = compliantStack({ region: "eu-west-1", organization: false });
            const other = compliantStack({ region: "us-east-1", suffix: "-us", organization: false }).filter(
                (r) => !r.name.startsWith("feature-"),
            );
            let stack = [...home, ...other];
            for (const feature of home.filter((r) => r.name.startsWith("feature-"))) {
                stack = withResource(stack, feature.name, (r) => ({
                    ...r,
                    inputs: { ...r.inputs, region: "us-east-1" },
                    dependsOn: [DETECTOR_URN, DETECTOR_US_URN],
                    propertyDependencies: { detectorId: [DETECTOR_URN] },
                }));
            }
            const found = byPolicy(await analyze(stack), "guardduty-organization-protections");
            assert.deepEqual(
                found.map((d) => d.urn),
                [DETECTOR_US_URN],
            );
        });
    });

    describe("guardduty-region-coverage", () => {
        it("rejects a detector region without a publishing destination", async () => {
            const [d] = await expectPolicies(without(compliantStack(), "publishing-destination"), [
                "guardduty-region-coverage",
            ]);
            assert.match(d.message, /Region eu-west-1 has a detector but lacks a publishing destination/);
        });

        it("rejects a detector region without an organization configuration", async () => {
            const [d] = await expectPolicies(without(compliantStack(), "org-config"), [
                "guardduty-region-coverage",
            ]);
            assert.match(d.message, /lacks an organization configuration/);
        });

        it("accepts a second region covered by its own destination and organization configuration", async () => {
            const stack = [
                ...compliantStack({ region: "eu-west-1" }),
                ...compliantStack({ region: "eu-central-1", suffix: "-fra", organization: false }),
            ];
            await expectPolicies(stack, []);
        });
    });

    describe("guardduty-publishing-destination-encrypted", () => {
        it("rejects a destination without a KMS key, which also leaves the region uncovered", async () => {
            await expectPolicies(withInputs(compliantStack(), "publishing-destination", { kmsKeyArn: "" }), [
                "guardduty-publishing-destination-encrypted",
                "guardduty-region-coverage",
            ]);
        });

        it("accepts an explicit destinationType S3 and rejects any other", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "publishing-destination", { destinationType: "S3" }),
                [],
            );
            await expectPolicies(
                withInputs(compliantStack(), "publishing-destination", { destinationType: "EVENTBRIDGE" }),
                ["guardduty-publishing-destination-encrypted", "guardduty-region-coverage"],
            );
        });
    });

    describe("guardduty-threat-lists-active", () => {
        it("rejects a trusted IP set that is not activated", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "trusted-ips", { activate: false }),
                ["guardduty-threat-lists-active"],
            );
            assert.match(d.message, /trusted IP set/);
        });

        it("rejects a threat intel set that is not activated", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "threat-intel", { activate: false }),
                ["guardduty-threat-lists-active"],
            );
            assert.match(d.message, /threat intel set/);
        });
    });

    describe("guardduty-filter-safe-archive", () => {
        it("rejects an ARCHIVE filter on HIGH findings", async () => {
            const [d] = await expectPolicies(
                withCriteria([TYPE_CRITERION, { field: "severity", greaterThanOrEqual: "7" }]),
                ["guardduty-filter-safe-archive"],
            );
            assert.match(d.message, /can archive findings of severity 7 and above/);
        });

        it("rejects an ARCHIVE filter with no severity bound at all", async () => {
            await expectPolicies(withCriteria([TYPE_CRITERION]), ["guardduty-filter-safe-archive"]);
        });

        it("rejects an ARCHIVE filter that narrows by severity alone", async () => {
            const [d] = await expectPolicies(withCriteria([{ field: "severity", lessThan: "4" }]), [
                "guardduty-filter-safe-archive",
            ]);
            assert.match(d.message, /by severity alone/);
        });

        for (const [label, bound, ok] of [
            ["lessThan 7", { lessThan: "7" }, true],
            ["lessThan 8", { lessThan: "8" }, false],
            ["lessThanOrEqual 6.9", { lessThanOrEqual: "6.9" }, true],
            ["lessThanOrEqual 7", { lessThanOrEqual: "7" }, false],
            ["equals 2 and 5", { equals: ["2", "5"] }, true],
            ["equals 5 and 8", { equals: ["5", "8"] }, false],
            // The boundary itself: 7 is HIGH, so one value of 7 among lower ones is enough to refuse.
            ["equals 5 and 7", { equals: ["5", "7"] }, false],
            ["equals 6.9", { equals: ["6.9"] }, true],
            ["lessThan 7.1", { lessThan: "7.1" }, false],
        ] as const) {
            it(`${ok ? "accepts" : "rejects"} a severity criterion ${label}`, async () => {
                await expectPolicies(
                    withCriteria([TYPE_CRITERION, { field: "severity", ...bound }]),
                    ok ? [] : ["guardduty-filter-safe-archive"],
                );
            });
        }

        it("ignores NOOP filters, which archive nothing", async () => {
            await expectPolicies(withCriteria([{ field: "severity", greaterThan: "8" }], "NOOP"), []);
        });

        it("honours maxArchivedSeverity", async () => {
            const stack = withCriteria([TYPE_CRITERION, { field: "severity", lessThan: "5" }]);
            await expectPolicies(stack, []);
            await withConfig({ "guardduty-filter-safe-archive": { maxArchivedSeverity: 4 } }, async () =>
                expectPolicies(stack, ["guardduty-filter-safe-archive"]),
            );
        });
    });
});
