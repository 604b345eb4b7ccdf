import { strict as assert } from "node:assert";
import { decodeMembers } from "../components/member-enrollment";
import { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { inRegion, ofType, plan, single } from "./helpers/plan";

const ENABLER = "aws:inspector2/enabler:Enabler";
const DESIGNATION = "aws:inspector2/delegatedAdminAccount:DelegatedAdminAccount";
const ORG_CONFIG = "aws:inspector2/organizationConfiguration:OrganizationConfiguration";
const ENROLLMENT = "pulumi-nodejs:dynamic/security-governance:MemberEnrollment";

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

    it("enrolls the existing accounts with the same scan types", () => {
        for (const region of dev.regions) {
            const members = single(
                dev,
                ENROLLMENT,
                (r) => r.inputs.service === "inspector" && r.inputs.region === region,
            );
            assert.deepEqual(members.inputs.resourceTypes, ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"]);
            const accounts = decodeMembers(members.inputs.accounts as string);
            assert.equal(accounts.length, dev.accounts.count - 1, "every account but the administrator");
            assert.ok(!accounts.some((a) => a.id === dev.accounts.securityAdmin));
            // AssociateMember and Enable take account IDs: Inspector's member list carries no emails.
            assert.ok(accounts.every((a) => /^\d{12}$/.test(a.id) && a.email === ""));
            assert.ok(members.dependsOn.includes(single(dev, ORG_CONFIG, inRegion(region)).urn));
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
            const members = single(
                narrowed,
                ENROLLMENT,
                (r) => r.inputs.service === "inspector" && r.inputs.region === region,
            );
            assert.deepEqual(members.inputs.resourceTypes, ["EC2", "ECR"]);
        }
    });

    it("creates nothing of Inspector when disabled", () => {
        assert.deepEqual(
            disabled.resources.filter((r) => r.type.startsWith("aws:inspector2/")).map((r) => r.name),
            [],
        );
        assert.equal(ofType(disabled, ENROLLMENT).filter((r) => r.inputs.service === "inspector").length, 0);
    });
});
