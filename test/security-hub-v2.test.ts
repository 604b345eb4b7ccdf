import { strict as assert } from "node:assert";
import { planStack, type PlanDocument, type PlannedResource } from "../tools/plan-runtime";
import { ofType, plan, single } from "./helpers/plan";
import { orgFileWithPolicyTypes } from "./helpers/org-file";

/*
 * The new Security Hub beside CSPM, through the plan: a Security Hub policy on the root enabling it in every
 * governed region, the administrator's own enablement and the V2 aggregator in the home region.
 */

const ACCOUNT_V2 = "aws:securityhub/accountV2:AccountV2";
const AGGREGATOR_V2 = "aws:securityhub/aggregatorV2:AggregatorV2";
const POLICY = "aws:organizations/policy:Policy";
const ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment";
const DESIGNATION = "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount";
const FEATURE_V2 = "aws:securityhub/featureV2:FeatureV2";
const providerName = (r: PlannedResource) => r.provider?.split("::")[3];
const securityHubPolicy = (planned: PlanDocument) =>
    single(planned, POLICY, (r) => r.inputs.type === "SECURITYHUB_POLICY");

describe("the new Security Hub (securityHub.v2)", () => {
    let prod: PlanDocument;
    before(async () => {
        prod = await plan("prod");
    });

    it("enables it in every governed region for every account through a Security Hub policy on the root, never disabling", () => {
        const policy = securityHubPolicy(prod);
        assert.equal(providerName(policy), "management");
        assert.deepEqual(JSON.parse(String(policy.inputs.content)), {
            securityhub: {
                enable_in_regions: { "@@assign": [...prod.regions].sort() },
                disable_in_regions: { "@@assign": [] },
            },
        });
        const attachment = single(prod, ATTACHMENT, (r) => r.name.startsWith("securityhub-v2"));
        assert.equal(attachment.inputs.targetId, prod.organization.rootId);
        assert.ok(attachment.dependsOn.includes(policy.urn));
        // Letting go of it (destroy, v2.enabled false) must not detach it or delete the policy.
        assert.equal(policy.retainOnDelete, true);
        assert.equal(attachment.retainOnDelete, true);
    });

    it("enables the administrator's own hub first, after the CSPM designation, and keeps it on delete", () => {
        const account = single(prod, ACCOUNT_V2);
        assert.equal(account.inputs.region, prod.homeRegion);
        assert.equal(providerName(account), "security");
        const designation = single(prod, DESIGNATION, (r) => r.inputs.region === prod.homeRegion);
        assert.ok(account.dependsOn.includes(designation.urn));
        assert.ok(securityHubPolicy(prod).dependsOn.includes(account.urn));
        assert.equal(account.retainOnDelete, true);
        assert.equal(account.protect, true, "prod protects data-bearing resources");
    });

    it("links every other governed region to the V2 aggregator in the home region, and none in a single-region stack", async () => {
        const aggregator = single(prod, AGGREGATOR_V2);
        assert.equal(aggregator.inputs.region, prod.homeRegion);
        assert.equal(aggregator.inputs.regionLinkingMode, "SPECIFIED_REGIONS");
        assert.deepEqual(
            aggregator.inputs.linkedRegions,
            prod.regions.filter((region) => region !== prod.homeRegion).sort(),
        );
        assert.ok(aggregator.dependsOn.includes(single(prod, ACCOUNT_V2).urn));
        const lone = await plan("dev", { configOverrides: { "security-governance:regions": ["eu-west-1"] } });
        assert.equal(ofType(lone, AGGREGATOR_V2).length, 0);
        assert.equal(ofType(lone, ACCOUNT_V2).length, 1);
    });

    it("stops before planning when the root lacks SECURITYHUB_POLICY, and plans nothing of it when turned off", async () => {
        const { file, remove } = orgFileWithPolicyTypes(["SERVICE_CONTROL_POLICY", "INSPECTOR_POLICY"]);
        try {
            await assert.rejects(planStack({ stack: "dev", orgFile: file }), (error: Error) => {
                assert.match(
                    error.message,
                    /does not have the policy type SECURITYHUB_POLICY enabled .*aws organizations enable-aws-service-access --service-principal securityhub\.amazonaws\.com && aws organizations enable-policy-type --root-id r-ab12 --policy-type SECURITYHUB_POLICY; or set security-governance:securityHub\.v2\.enabled to false\.$/,
                );
                return true;
            });
            const without = await planStack({
                stack: "dev",
                orgFile: file,
                configOverrides: { "security-governance:securityHub": { v2: { enabled: false } } },
            });
            assert.equal(ofType(without.plan, ACCOUNT_V2).length, 0);
            assert.equal(
                ofType(without.plan, POLICY).filter((r) => r.inputs.type === "SECURITYHUB_POLICY").length,
                0,
            );
        } finally {
            remove();
        }
    });

    it("manages an opt-in feature only when securityHub.v2.features names it: true ENABLED, false DISABLED, after the hub", async () => {
        assert.equal(ofType(prod, FEATURE_V2).length, 0, "no feature is managed by default");
        for (const on of [true, false]) {
            const planned = await plan("dev", {
                configOverrides: {
                    "security-governance:securityHub": {
                        v2: { enabled: true, features: { NETWORK_SCANNING: on } },
                    },
                },
            });
            const feature = single(planned, FEATURE_V2);
            assert.deepEqual(
                [feature.inputs.region, feature.inputs.featureName, feature.inputs.featureStatus],
                [planned.homeRegion, "NETWORK_SCANNING", on ? "ENABLED" : "DISABLED"],
            );
            assert.equal(providerName(feature), "security");
            assert.ok(feature.dependsOn.includes(single(planned, ACCOUNT_V2).urn));
            // The policy still manages no feature: the API refuses a feature "managed by an organization policy".
            assert.equal(
                JSON.parse(String(securityHubPolicy(planned).inputs.content)).securityhub.features,
                undefined,
            );
        }
    });
});
