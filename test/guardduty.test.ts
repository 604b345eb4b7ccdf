import { strict as assert } from "node:assert";
import { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { parseIpList } from "../stacks/ip-lists";
import { findingsKey, inRegion, ofType, plan, single, ofFindingsBucket } from "./helpers/plan";
import { managedProtections } from "../components/guardduty";
import { DEFAULT_PROTECTIONS } from "../stacks/guardduty-config";
import { readStackConfigValues } from "../tools/plan-runtime";

const DETECTOR = "aws:guardduty/detector:Detector";
const DESIGNATION = "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount";
const ORG_CONFIG = "aws:guardduty/organizationConfiguration:OrganizationConfiguration";
const ORG_FEATURE = "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature";
const DETECTOR_FEATURE = "aws:guardduty/detectorFeature:DetectorFeature";
const DESTINATION = "aws:guardduty/publishingDestination:PublishingDestination";
const IP_SET = "aws:guardduty/iPSet:IPSet";
const THREAT_SET = "aws:guardduty/threatIntelSet:ThreatIntelSet";
const FILTER = "aws:guardduty/filter:Filter";
/**
 * Every protection plan but the EKS-only runtime one, which RUNTIME_MONITORING supersedes: every organization
 * feature of the GuardDuty API model (botocore service-2.json, `OrgFeature`), AI Protection included.
 */
const ALL_BUT_EKS_RUNTIME = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
];
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";

function providerName(resource: PlannedResource): string | undefined {
    return resource.provider?.split("::")[3];
}

describe("GuardDuty organization-wide", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        prod = await plan("prod");
    });

    it("creates one protected detector per governed region in the security account", () => {
        for (const planned of [dev, prod]) {
            const detectors = ofType(planned, DETECTOR);
            assert.deepEqual(detectors.map((d) => d.inputs.region).sort(), [...planned.regions].sort());
            for (const detector of detectors) {
                assert.equal(detector.inputs.enable, true);
                assert.equal(detector.inputs.findingPublishingFrequency, "FIFTEEN_MINUTES");
                assert.equal(detector.protect, true);
                assert.equal(detector.retainOnDelete, true);
                assert.equal(providerName(detector), "security");
                assert.equal(detector.inputs.datasources, undefined, "datasources is deprecated");
            }
        }
    });

    it("designates the security account in every region from the management account, after its detector", () => {
        for (const region of prod.regions) {
            const detector = single(prod, DETECTOR, inRegion(region));
            const designation = single(prod, DESIGNATION, inRegion(region));
            assert.equal(designation.inputs.adminAccountId, prod.accounts.securityAdmin);
            assert.equal(providerName(designation), "management");
            assert.ok(
                designation.dependsOn.includes(detector.urn),
                `designation in ${region} waits for the detector`,
            );
        }
    });

    it("auto-enables ALL accounts with every protection, after the designation in the same region", () => {
        for (const region of dev.regions) {
            const designation = single(dev, DESIGNATION, inRegion(region));
            const configuration = single(dev, ORG_CONFIG, inRegion(region));
            assert.equal(configuration.inputs.autoEnableOrganizationMembers, "ALL");
            assert.equal(configuration.inputs.autoEnable, undefined, "autoEnable is deprecated");
            assert.deepEqual(configuration.dependsOn, [designation.urn]);
            const features = ofType(dev, ORG_FEATURE).filter(inRegion(region));
            assert.deepEqual(features.map((f) => f.inputs.name).sort(), [...ALL_BUT_EKS_RUNTIME].sort());
            for (const feature of features) {
                assert.equal(feature.inputs.autoEnable, "ALL");
                assert.ok(feature.dependsOn.includes(configuration.urn));
            }
            const runtime = features.find((f) => f.inputs.name === "RUNTIME_MONITORING");
            const agents =
                (runtime?.inputs.additionalConfigurations as { name: string; autoEnable: string }[]) ?? [];
            // GuardDuty manages the agents in every account, existing and new: ALL, not NEW.
            assert.deepEqual(
                [...agents].sort((a, b) => a.name.localeCompare(b.name)),
                [
                    { name: "EC2_AGENT_MANAGEMENT", autoEnable: "ALL" },
                    { name: "ECS_FARGATE_AGENT_MANAGEMENT", autoEnable: "ALL" },
                    { name: "EKS_ADDON_MANAGEMENT", autoEnable: "ALL" },
                ],
            );
            // AI Protection has no additional configuration in the API model: a name and a status alone.
            const ai = features.find((f) => f.inputs.name === "AI_PROTECTION");
            assert.deepEqual(ai?.inputs.additionalConfigurations ?? [], []);
            const own = ofType(dev, DETECTOR_FEATURE).filter(inRegion(region));
            assert.deepEqual(own.map((f) => f.inputs.name).sort(), [...ALL_BUT_EKS_RUNTIME].sort());
            assert.ok(own.every((f) => f.inputs.status === "ENABLED"));
            const ownRuntime = own.find((f) => f.inputs.name === "RUNTIME_MONITORING");
            assert.deepEqual(
                (ownRuntime?.inputs.additionalConfigurations as { name: string; status: string }[])
                    .map((a) => `${a.name}=${a.status}`)
                    .sort(),
                [
                    "EC2_AGENT_MANAGEMENT=ENABLED",
                    "ECS_FARGATE_AGENT_MANAGEMENT=ENABLED",
                    "EKS_ADDON_MANAGEMENT=ENABLED",
                ],
            );
        }
    });

    it("manages AI Protection in every governed region of prod: ENABLED on the detector, ALL for the organization", () => {
        for (const region of prod.regions) {
            const org = ofType(prod, ORG_FEATURE)
                .filter(inRegion(region))
                .filter((f) => f.inputs.name === "AI_PROTECTION");
            const own = ofType(prod, DETECTOR_FEATURE)
                .filter(inRegion(region))
                .filter((f) => f.inputs.name === "AI_PROTECTION");
            assert.deepEqual(
                org.map((f) => f.inputs.autoEnable),
                ["ALL"],
                `one AI_PROTECTION organization feature in ${region}`,
            );
            assert.deepEqual(
                own.map((f) => f.inputs.status),
                ["ENABLED"],
                `one on the detector in ${region}`,
            );
        }
    });

    it("leaves a plan alone where the stack's config says GuardDuty refuses it, and manages it next door", async () => {
        const values = readStackConfigValues("prod");
        const guardduty = values["security-governance:guardduty"] as Record<string, unknown>;
        const refused = await plan("prod", {
            configOverrides: {
                "security-governance:guardduty": {
                    ...guardduty,
                    protectionsNotOfferedIn: { AI_PROTECTION: ["eu-west-1"] },
                },
            },
        });
        const aiIn = (region: string, type: string) =>
            ofType(refused, type)
                .filter(inRegion(region))
                .filter((f) => f.inputs.name === "AI_PROTECTION").length;
        assert.ok(refused.regions.includes("eu-west-1") && refused.regions.includes("us-east-1"));
        assert.equal(aiIn("eu-west-1", ORG_FEATURE), 0, "no organization feature where refused");
        assert.equal(aiIn("eu-west-1", DETECTOR_FEATURE), 0, "no detector feature where refused");
        assert.equal(aiIn("us-east-1", ORG_FEATURE), 1);
        assert.equal(aiIn("us-east-1", DETECTOR_FEATURE), 1);
        // The rest of eu-west-1's plans stay managed: every plan but AI Protection.
        assert.equal(
            ofType(refused, ORG_FEATURE).filter(inRegion("eu-west-1")).length,
            ALL_BUT_EKS_RUNTIME.length - 1,
        );
    });

    it("leaves a plan alone in a region its availability table says lacks it, and only there", () => {
        const table = { AI_PROTECTION: ["ap-east-2"] };
        assert.ok(!managedProtections(DEFAULT_PROTECTIONS, "ap-east-2", table).includes("AI_PROTECTION"));
        assert.ok(managedProtections(DEFAULT_PROTECTIONS, "eu-west-1", table).includes("AI_PROTECTION"));
        // Off by config is not the same as not offered: still managed, to be switched off explicitly.
        assert.ok(managedProtections(["S3_DATA_EVENTS"], "eu-west-1", table).includes("AI_PROTECTION"));
        // With the program's own table it is managed in Taipei, where only RDS Protection is missing.
        assert.deepEqual(
            managedProtections(DEFAULT_PROTECTIONS, "ap-east-2").sort(),
            ALL_BUT_EKS_RUNTIME.filter((p) => p !== "RDS_LOGIN_EVENTS").sort(),
        );
    });

    it("exports every region's findings to the one home-region bucket, encrypted with the one key", () => {
        const bucket = single(prod, "aws:s3/bucket:Bucket", ofFindingsBucket);
        const key = findingsKey(prod);
        const destinations = ofType(prod, DESTINATION);
        assert.equal(destinations.length, prod.regions.length);
        const bucketPolicy = single(prod, "aws:s3/bucketPolicy:BucketPolicy", ofFindingsBucket);
        for (const destination of destinations) {
            assert.equal(destination.inputs.destinationType, "S3");
            assert.equal(destination.inputs.destinationArn, `arn:aws:s3:::${bucket.inputs.bucket}/guardduty`);
            assert.match(
                String(destination.inputs.kmsKeyArn),
                new RegExp(`^arn:aws:kms:${prod.homeRegion}:${prod.accounts.securityAdmin}:key/`),
            );
            assert.ok(destination.dependsOn.includes(bucketPolicy.urn), "waits for the bucket policy");
        }
        assert.equal(bucket.inputs.region, prod.homeRegion);
        assert.equal(key.inputs.region, prod.homeRegion);
    });

    it("renders the trusted and threat lists into the bucket and activates them in every region", () => {
        const config = {
            trusted: ["203.0.113.0/24", "198.51.100.7"],
            threat: ["192.0.2.66", "192.0.2.128/25"],
        };
        const objects = ofType(dev, OBJECT);
        const trustedObject = objects.find((o) => String(o.inputs.key).includes("/trusted/"));
        const threatObject = objects.find((o) => String(o.inputs.key).includes("/threat/known-c2-"));
        assert.ok(trustedObject && threatObject);
        assert.deepEqual(
            parseIpList(String(trustedObject.inputs.content)).sort(),
            [...config.trusted].sort(),
        );
        assert.deepEqual(parseIpList(String(threatObject.inputs.content)).sort(), [...config.threat].sort());
        assert.equal(trustedObject.inputs.serverSideEncryption, "aws:kms");
        for (const region of dev.regions) {
            const ipSet = single(dev, IP_SET, inRegion(region));
            assert.equal(ipSet.inputs.activate, true);
            assert.equal(ipSet.inputs.format, "TXT");
            assert.equal(
                ipSet.inputs.location,
                `https://s3.amazonaws.com/${trustedObject.inputs.bucket}/${trustedObject.inputs.key}`,
            );
            const threatSet = single(dev, THREAT_SET, inRegion(region));
            assert.equal(threatSet.inputs.activate, true);
            assert.equal(threatSet.inputs.name, "known-c2");
        }
    });

    it("moves a list to a new location when its content changes, so GuardDuty re-reads it", async () => {
        const changed = await plan("dev", {
            configOverrides: {
                "security-governance:guardduty": {
                    trustedIps: ["203.0.113.0/24", "198.51.100.8"],
                    threatLists: { "known-c2": ["192.0.2.66", "192.0.2.128/25"] },
                },
            },
        });
        const location = (planned: PlanDocument, type: string) =>
            single(planned, type, inRegion("us-east-1")).inputs.location;
        assert.notEqual(location(changed, IP_SET), location(dev, IP_SET));
        assert.equal(
            location(changed, THREAT_SET),
            location(dev, THREAT_SET),
            "an unchanged list keeps its location",
        );
    });

    it("turns each suppression rule into an ARCHIVE filter with a stable rank and a severity bound below HIGH", () => {
        for (const region of dev.regions) {
            const filters = ofType(dev, FILTER).filter(inRegion(region));
            assert.deepEqual(filters.map((f) => [f.inputs.name, f.inputs.rank]).sort(), [
                ["approved-scanner-port-probes", 1],
                ["bastion-ssh-brute-force", 2],
            ]);
            for (const filter of filters) {
                assert.equal(filter.inputs.action, "ARCHIVE");
                const criteria = (
                    filter.inputs.findingCriteria as { criterions: { field: string; lessThan?: string }[] }
                ).criterions;
                const severity = criteria.filter((c) => c.field === "severity");
                assert.equal(severity.length, 1);
                assert.ok(Number(severity[0].lessThan) <= 7);
                assert.ok(criteria.some((c) => c.field === "type"));
            }
        }
        const scanner = single(
            dev,
            FILTER,
            (f) => f.inputs.name === "approved-scanner-port-probes" && f.inputs.region === "eu-west-1",
        );
        const fields = (
            scanner.inputs.findingCriteria as { criterions: { field: string; equals?: string[] }[] }
        ).criterions;
        assert.deepEqual(
            fields.find(
                (c) =>
                    c.field === "service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4",
            )?.equals,
            ["198.51.100.7"],
        );
        assert.deepEqual(fields.find((c) => c.field === "resource.instanceDetails.tags.key")?.equals, [
            "ScanTarget",
        ]);
    });

    it("leaves data unprotected only when protectData is false", async () => {
        const unprotected = await plan("dev", {
            configOverrides: {
                "security-governance:findingsExport": {
                    retentionDays: 180,
                    archiveAfterDays: 30,
                    protectData: false,
                },
            },
        });
        assert.ok(ofType(unprotected, DETECTOR).every((d) => !d.protect));
        assert.ok(ofType(dev, DETECTOR).every((d) => d.protect));
    });
});
