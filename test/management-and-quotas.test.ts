import { strict as assert } from "node:assert";
import { enrollmentSettings } from "./helpers/enrollment";
import type { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { coverageOf, formatSummary, managementCoverageOf } from "../tools/plan-summary";
import { inRegion, ofType, plan, single } from "./helpers/plan";

const SERVICE_ACCESS = "aws:organizations/awsServiceAccess:AwsServiceAccess";
const MEMBER = "aws:guardduty/member:Member";
const ORG_CONFIG = "aws:guardduty/organizationConfiguration:OrganizationConfiguration";
const ORG_FEATURE = "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature";

function providerName(resource: PlannedResource): string | undefined {
    return resource.provider?.split("::")[3];
}

describe("the management account, malware scans and member quotas", () => {
    let dev: PlanDocument;
    before(async () => {
        dev = await plan("dev");
    });

    it("lets GuardDuty scan member accounts for malware: trusted access from the management account, kept on delete", () => {
        const access = single(dev, SERVICE_ACCESS);
        assert.equal(access.inputs.servicePrincipal, "malware-protection.guardduty.amazonaws.com");
        assert.equal(providerName(access), "management");
        assert.equal(access.retainOnDelete, true);
        for (const region of dev.regions) {
            const malware = single(
                dev,
                ORG_FEATURE,
                (f) => f.inputs.region === region && f.inputs.name === "EBS_MALWARE_PROTECTION",
            );
            assert.equal(malware.inputs.autoEnable, "ALL");
            assert.ok(malware.dependsOn.includes(access.urn), region);
        }
    });

    it("asks for no malware trusted access when the malware plan is off", async () => {
        const planned = await plan("dev", {
            configOverrides: { "security-governance:guardduty": { protections: ["S3_DATA_EVENTS"] } },
        });
        assert.equal(ofType(planned, SERVICE_ACCESS).length, 0);
    });

    it("makes the management account a GuardDuty member in every region, never invited, disassociated or deleted from here", () => {
        for (const region of dev.regions) {
            const member = single(dev, MEMBER, inRegion(region));
            assert.equal(member.inputs.accountId, dev.accounts.management);
            assert.equal(member.inputs.email, "aws+management@example.com");
            assert.equal(member.inputs.invite, false);
            assert.deepEqual(member.ignoreChanges, ["invite"]);
            assert.equal(member.retainOnDelete, true);
            // Kept on delete, but not protected: removing it from the program must not block an up.
            assert.equal(member.protect, false);
            assert.equal(providerName(member), "security");
            assert.ok(member.dependsOn.includes(single(dev, ORG_CONFIG, inRegion(region)).urn));
        }
    });

    it("shows the management account covered by every service in every region", () => {
        const management = managementCoverageOf(dev);
        for (const service of Object.keys(management) as (keyof typeof management)[]) {
            for (const region of dev.regions)
                assert.equal(management[service][region], true, `${service} ${region}`);
        }
        assert.match(formatSummary(dev), /Management account 111111111111 covered per service and region:\n/);
    });

    it("counts GuardDuty coverage only where the organization auto-enables ALL accounts", () => {
        for (const setting of ["NEW", "NONE"]) {
            const changed: PlanDocument = {
                ...dev,
                resources: dev.resources.map((r) =>
                    r.type === ORG_CONFIG && r.inputs.region === dev.homeRegion
                        ? { ...r, inputs: { ...r.inputs, autoEnableOrganizationMembers: setting } }
                        : r,
                ),
            };
            const coverage = coverageOf(changed);
            assert.equal(coverage.guardduty[dev.homeRegion], undefined, setting);
            const other = dev.regions.find((region) => region !== dev.homeRegion) ?? "";
            assert.equal(coverage.guardduty[other], dev.accounts.count, setting);
        }
    });

    describe("an organization of 1,500 accounts", () => {
        let large: PlanDocument;
        before(async () => {
            large = await plan("dev", { accounts: 1500 });
        });

        it("tells the enrollment function Detective's 1,200 and Macie's 10,000, and nothing about the accounts", () => {
            const fn = single(large, "aws:lambda/function:Function", (r) => r.name.startsWith("enrollment"));
            const settings = enrollmentSettings(fn);
            assert.deepEqual(settings.quotas, { macie: 10000, detective: 1200 });
            assert.equal(settings.managementAccountId, large.accounts.management);
            assert.deepEqual(Object.keys(settings).sort(), [
                "adminAccountId",
                "managementAccountId",
                "quotas",
                "regions",
            ]);
        });

        it("reports 1,201 accounts covered by Detective and names the 299 left out", () => {
            const coverage = coverageOf(large);
            for (const region of large.regions) {
                assert.equal(coverage.detective[region], 1201);
                assert.equal(coverage.guardduty[region], 1500);
                assert.equal(coverage.macie[region], 1500);
                // Inspector through its policy on the root: the whole organization.
                assert.equal(coverage.inspector[region], 1500);
            }
            assert.match(
                formatSummary(large),
                /\n {2}detective: 299 account\(s\) not covered: at most 1200 members per administrator and region \(Detective user guide, accounts\.html\)/,
            );
        });
    });
});
