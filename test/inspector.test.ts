import { strict as assert } from "node:assert";
import { PlanDocument, PlannedResource, planStack } from "../tools/plan-runtime";
import { inRegion, ofType, plan, single } from "./helpers/plan";
import { orgFileWithPolicyTypes } from "./helpers/org-file";

const ENABLER = "aws:inspector2/enabler:Enabler";
const DESIGNATION = "aws:inspector2/delegatedAdminAccount:DelegatedAdminAccount";
const ORG_CONFIG = "aws:inspector2/organizationConfiguration:OrganizationConfiguration";
const ENROLLMENT = "pulumi-nodejs:dynamic/security-governance:MemberEnrollment";
const POLICY = "aws:organizations/policy:Policy";
/** The Inspector policy among the plan's Organizations policies (prod's guardrails are policies too). */
const INSPECTOR = (r: PlannedResource) => r.inputs.type === "INSPECTOR_POLICY";
const ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment";

interface PolicyDocument {
    inspector: { enablement: Record<string, { enable_in_regions: { "@@assign": string[] } }> };
}

function providerName(resource: PlannedResource): string | undefined {
    return resource.provider?.split("::")[3];
}

describe("Inspector organization-wide", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    let narrowed: PlanDocument;
    let disabled: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        prod = await plan("prod");
        narrowed = await plan("dev", {
            configOverrides: { "security-governance:inspector": { resourceTypes: ["EC2", "ECR"] } },
        });
        disabled = await plan("dev", {
            configOverrides: { "security-governance:inspector": { enabled: false } },
        });
    });

    it("enables the security account's own scans in every region, before its designation", () => {
        for (const planned of [dev, prod]) {
            for (const region of planned.regions) {
                const enabler = single(planned, ENABLER, inRegion(region));
                assert.deepEqual(enabler.inputs.accountIds, [planned.accounts.securityAdmin]);
                assert.deepEqual(enabler.inputs.resourceTypes, ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"]);
                assert.equal(providerName(enabler), "security");
                const designation = single(planned, DESIGNATION, inRegion(region));
                assert.equal(designation.inputs.accountId, planned.accounts.securityAdmin);
                assert.equal(providerName(designation), "management");
                assert.ok(designation.dependsOn.includes(enabler.urn));
            }
        }
    });

    it("auto-enables every configured scan type for new accounts, after the designation", () => {
        for (const region of prod.regions) {
            const configuration = single(prod, ORG_CONFIG, inRegion(region));
            assert.deepEqual(configuration.inputs.autoEnable, {
                ec2: true,
                ecr: true,
                lambda: true,
                lambdaCode: true,
                // Code repositories only on request (they need a GitHub or GitLab integration).
                codeRepository: false,
            });
            assert.deepEqual(configuration.dependsOn, [single(prod, DESIGNATION, inRegion(region)).urn]);
        }
    });

    it("enables the scan types in every account through an Inspector policy on the root, never disabling any", () => {
        for (const planned of [dev, prod]) {
            // The root's: an OU's policy carries the OU ID in its name (test/organizational-units).
            const policy = single(planned, POLICY, (r) => INSPECTOR(r) && !r.name.includes("-ou-"));
            assert.equal(policy.inputs.type, "INSPECTOR_POLICY");
            assert.equal(providerName(policy), "management");
            // The document as the Organizations user guide spells it: snake_case scan types, Lambda code
            // scanning nested in Lambda standard scanning, both region lists present, nothing disabled.
            const regions = [...planned.regions].sort();
            const scan = {
                enable_in_regions: { "@@assign": regions },
                disable_in_regions: { "@@assign": [] },
            };
            assert.deepEqual(JSON.parse(policy.inputs.content as string), {
                inspector: {
                    enablement: {
                        ec2_scanning: scan,
                        ecr_scanning: scan,
                        lambda_standard_scanning: { ...scan, lambda_code_scanning: scan },
                    },
                },
            });
            const attachment = single(
                planned,
                ATTACHMENT,
                (r) => r.name.startsWith("inspector") && !r.name.includes("-ou-"),
            );
            assert.equal(attachment.inputs.targetId, planned.organization.rootId);
            assert.match(String(attachment.inputs.targetId), /^r-[0-9a-z]{4,32}$/);
            assert.equal(providerName(attachment), "management");
            assert.ok(attachment.dependsOn.includes(policy.urn));
            // Enabled accounts are linked to the administrator, so the designations come first.
            for (const region of planned.regions) {
                assert.ok(policy.dependsOn.includes(single(planned, DESIGNATION, inRegion(region)).urn));
                assert.ok(attachment.dependsOn.includes(single(planned, ORG_CONFIG, inRegion(region)).urn));
            }
            // Letting go of the policy (destroy, inspector.enabled false) must not detach it.
            assert.equal(policy.retainOnDelete, true);
            assert.equal(attachment.retainOnDelete, true);
            // No account is enrolled one by one any more.
            assert.equal(
                ofType(planned, ENROLLMENT).filter((r) => r.inputs.service === "inspector").length,
                0,
            );
        }
    });

    it("protects the security account's enablers: deleting one would delete its findings", () => {
        for (const region of prod.regions) {
            const enabler = single(prod, ENABLER, inRegion(region));
            assert.equal(enabler.protect, true);
            assert.equal(enabler.retainOnDelete, true);
        }
    });

    it("writes code repository scanning into the policy when it is chosen", async () => {
        const all = await plan("dev", {
            configOverrides: {
                "security-governance:inspector": {
                    resourceTypes: ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE", "CODE_REPOSITORY"],
                },
            },
        });
        const enablement = (
            JSON.parse(single(all, POLICY, INSPECTOR).inputs.content as string) as PolicyDocument
        ).inspector.enablement;
        assert.deepEqual(Object.keys(enablement).sort(), [
            "code_repository_scanning",
            "ec2_scanning",
            "ecr_scanning",
            "lambda_standard_scanning",
        ]);
        assert.deepEqual(enablement.code_repository_scanning.enable_in_regions["@@assign"], [
            "eu-west-1",
            "us-east-1",
        ]);
    });

    it("stops before planning anything when the root lacks the INSPECTOR_POLICY type, saying how to enable it", async () => {
        const { file, organizationId, remove } = orgFileWithPolicyTypes([
            "SERVICE_CONTROL_POLICY",
            "SECURITYHUB_POLICY",
        ]);
        try {
            await assert.rejects(planStack({ stack: "dev", orgFile: file }), (error: Error) => {
                assert.equal(
                    error.message,
                    `the root r-ab12 of organization ${organizationId} does not have the policy type INSPECTOR_POLICY enabled ` +
                        "(it has: SECURITYHUB_POLICY, SERVICE_CONTROL_POLICY); from the management account run: " +
                        "aws organizations enable-aws-service-access --service-principal inspector2.amazonaws.com && " +
                        "aws organizations enable-policy-type --root-id r-ab12 --policy-type INSPECTOR_POLICY; " +
                        "or set security-governance:inspector.enabled to false.",
                );
                return true;
            });
            // Without Inspector the same organization plans.
            const without = await planStack({
                stack: "dev",
                orgFile: file,
                configOverrides: { "security-governance:inspector": { enabled: false } },
            });
            assert.equal(ofType(without.plan, POLICY).filter(INSPECTOR).length, 0);
        } finally {
            remove();
        }
    });

    it("follows a narrower choice of scan types everywhere", () => {
        for (const region of narrowed.regions) {
            assert.deepEqual(single(narrowed, ORG_CONFIG, inRegion(region)).inputs.autoEnable, {
                ec2: true,
                ecr: true,
                lambda: false,
                lambdaCode: false,
                codeRepository: false,
            });
            assert.deepEqual(single(narrowed, ENABLER, inRegion(region)).inputs.resourceTypes, [
                "EC2",
                "ECR",
            ]);
        }
        const enablement = (
            JSON.parse(single(narrowed, POLICY, INSPECTOR).inputs.content as string) as PolicyDocument
        ).inspector.enablement;
        assert.deepEqual(Object.keys(enablement).sort(), ["ec2_scanning", "ecr_scanning"]);
    });

    it("creates nothing of Inspector when disabled", () => {
        assert.deepEqual(
            disabled.resources.filter((r) => r.type.startsWith("aws:inspector2/")).map((r) => r.name),
            [],
        );
        assert.equal(ofType(disabled, POLICY).filter(INSPECTOR).length, 0);
        assert.equal(ofType(disabled, ATTACHMENT).filter((r) => r.name.startsWith("inspector")).length, 0);
    });
});
