import { strict as assert } from "node:assert";
import { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { generateOrganization } from "../tools/org-fixture";
import { DEFAULT_SECURITY_HUB_STANDARDS } from "../stacks/config";
import { inRegion, ofType, plan, single } from "./helpers/plan";

const HUB = "aws:securityhub/account:Account";
const DESIGNATION = "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount";
const AGGREGATOR = "aws:securityhub/findingAggregator:FindingAggregator";
const ORG_CONFIG = "aws:securityhub/organizationConfiguration:OrganizationConfiguration";
const POLICY = "aws:securityhub/configurationPolicy:ConfigurationPolicy";
const ASSOCIATION = "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation";

/** The root's policy and association; an OU's carry the OU ID in their names (test/organizational-units). */
const ofRoot = (resource: PlannedResource) => !resource.name.includes("-ou-");

function providerName(resource: PlannedResource): string | undefined {
    return resource.provider?.split("::")[3];
}

interface PolicyInputs {
    serviceEnabled: boolean;
    enabledStandardArns: string[];
    securityControlsConfiguration: { disabledControlIdentifiers: string[] };
}

describe("Security Hub central configuration", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    let singleRegion: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        prod = await plan("prod");
        singleRegion = await plan("dev", {
            configOverrides: { "security-governance:regions": ["eu-west-1"] },
        });
    });

    it("enables the administrator's own hub in the home region only, without default standards", () => {
        for (const planned of [dev, prod]) {
            const hub = single(planned, HUB);
            assert.equal(hub.inputs.region, planned.homeRegion);
            assert.equal(hub.inputs.enableDefaultStandards, false);
            assert.equal(hub.inputs.controlFindingGenerator, "SECURITY_CONTROL");
            assert.equal(providerName(hub), "security");
            assert.equal(hub.protect, true, "the hub holds every account's findings");
            assert.equal(hub.retainOnDelete, true, "a destroy leaves Security Hub on");
        }
    });

    it("designates the security account in the home region, from the management account, after its hub", () => {
        for (const planned of [dev, prod]) {
            const hub = single(planned, HUB);
            const designation = single(planned, DESIGNATION);
            assert.equal(
                designation.inputs.region,
                planned.homeRegion,
                "linked regions follow central configuration",
            );
            assert.equal(designation.inputs.adminAccountId, planned.accounts.securityAdmin);
            assert.notEqual(designation.inputs.adminAccountId, planned.accounts.management);
            assert.equal(providerName(designation), "management");
            assert.ok(
                designation.dependsOn.includes(hub.urn),
                "hub first, or the hub's creation fails later",
            );
        }
    });

    it("aggregates exactly the other governed regions into the home region", () => {
        for (const planned of [dev, prod]) {
            const aggregator = single(planned, AGGREGATOR);
            assert.equal(aggregator.inputs.region, planned.homeRegion);
            assert.equal(aggregator.inputs.linkingMode, "SPECIFIED_REGIONS");
            assert.deepEqual(
                [...(aggregator.inputs.specifiedRegions as string[])].sort(),
                planned.regions.filter((region) => region !== planned.homeRegion).sort(),
            );
            assert.ok(aggregator.dependsOn.includes(single(planned, HUB).urn));
        }
        assert.equal((single(prod, AGGREGATOR).inputs.specifiedRegions as string[]).length, 16);
    });

    it("links no regions in a single-region organization", () => {
        const aggregator = single(singleRegion, AGGREGATOR);
        assert.equal(aggregator.inputs.linkingMode, "NO_REGIONS");
        assert.equal(aggregator.inputs.specifiedRegions, undefined);
        assert.equal(ofType(singleRegion, ORG_CONFIG).length, 1, "central configuration still applies");
    });

    it("turns the organization CENTRAL after the designation and the aggregator, local switches off", () => {
        for (const planned of [dev, prod, singleRegion]) {
            const configuration = single(planned, ORG_CONFIG);
            assert.equal(configuration.inputs.region, planned.homeRegion);
            assert.equal(configuration.inputs.autoEnable, false);
            assert.equal(configuration.inputs.autoEnableStandards, "NONE");
            assert.deepEqual(configuration.inputs.organizationConfiguration, {
                configurationType: "CENTRAL",
            });
            assert.deepEqual(
                [...configuration.dependsOn].sort(),
                [single(planned, DESIGNATION).urn, single(planned, AGGREGATOR).urn].sort(),
            );
            assert.equal(providerName(configuration), "security");
        }
    });

    it("enables the configured standards in a policy made after central configuration", () => {
        const policy = single(prod, POLICY, ofRoot);
        const inputs = policy.inputs.configurationPolicy as PolicyInputs;
        assert.equal(inputs.serviceEnabled, true);
        assert.deepEqual(
            inputs.enabledStandardArns,
            DEFAULT_SECURITY_HUB_STANDARDS.map((id) => `arn:aws:securityhub:us-east-1::standards/${id}`),
        );
        assert.deepEqual(inputs.securityControlsConfiguration.disabledControlIdentifiers, ["Macie.1"]);
        assert.match(policy.inputs.description as string, /Macie\.1 \(Macie is governed/);
        assert.ok(policy.dependsOn.includes(single(prod, ORG_CONFIG).urn));

        const devPolicy = single(dev, POLICY).inputs.configurationPolicy as PolicyInputs;
        assert.deepEqual(devPolicy.securityControlsConfiguration.disabledControlIdentifiers, []);
        assert.ok(
            devPolicy.enabledStandardArns.every((arn) => arn.startsWith("arn:aws:securityhub:eu-west-1::")),
        );
    });

    it("names any chosen standard by its ARN in the home region", async () => {
        const custom = await plan("dev", {
            configOverrides: {
                "security-governance:securityHub": {
                    standards: ["nist-800-53/v/5.0.0", "pci-dss/v/3.2.1"],
                    disabledControls: [
                        { controlId: "EC2.10", reason: "No VPC endpoints in sandbox accounts" },
                    ],
                },
            },
        });
        const inputs = single(custom, POLICY).inputs.configurationPolicy as PolicyInputs;
        assert.deepEqual(inputs.enabledStandardArns, [
            "arn:aws:securityhub:eu-west-1::standards/nist-800-53/v/5.0.0",
            "arn:aws:securityhub:eu-west-1::standards/pci-dss/v/3.2.1",
        ]);
        assert.deepEqual(inputs.securityControlsConfiguration.disabledControlIdentifiers, ["EC2.10"]);
    });

    it("associates the policy with the organization root, covering every account", () => {
        for (const planned of [dev, prod]) {
            const association = single(planned, ASSOCIATION, ofRoot);
            const root = generateOrganization(12, planned.accounts).rootId;
            assert.equal(association.inputs.targetId, root);
            assert.match(association.inputs.policyId as string, /^[0-9a-f]{8}-[0-9a-f]{4}-/);
            assert.equal(association.inputs.region, planned.homeRegion);
        }
    });

    it("creates nothing of Security Hub outside the home region", () => {
        for (const planned of [dev, prod]) {
            const elsewhere = planned.resources.filter(
                (r) => r.type.startsWith("aws:securityhub/") && !inRegion(planned.homeRegion)(r),
            );
            assert.deepEqual(
                elsewhere.map((r) => r.name),
                [],
            );
        }
    });
});
