import { strict as assert } from "node:assert";
import { offeredIn } from "../stacks/availability";
import { enrollmentSettings } from "./helpers/enrollment";
import { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { inRegion, ofType, plan, single, ofFindingsBucket } from "./helpers/plan";

const ACCOUNT = "aws:macie2/account:Account";
const DESIGNATION = "aws:macie2/organizationAdminAccount:OrganizationAdminAccount";
const ORG_CONFIG = "aws:macie2/organizationConfiguration:OrganizationConfiguration";
const EXPORT = "aws:macie2/classificationExportConfiguration:ClassificationExportConfiguration";
const ENROLLMENT = "pulumi-nodejs:dynamic/security-governance:MemberEnrollment";
const FUNCTION = "aws:lambda/function:Function";
const OF_ENROLLMENT = (r: { name: string }) => r.name.startsWith("enrollment");
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const KEY = "aws:kms/key:Key";

function providerName(resource: PlannedResource): string | undefined {
    return resource.provider?.split("::")[3];
}

function sids(policy: unknown): string[] {
    return (JSON.parse(policy as string) as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid);
}

function findingsKey(planned: PlanDocument): PlannedResource {
    return single(planned, KEY, (r) => r.name === "findings-key");
}

describe("Macie organization-wide", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    let disabled: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        prod = await plan("prod");
        disabled = await plan("dev", {
            configOverrides: { "security-governance:macie": { enabled: false } },
        });
    });

    it("enables Macie for the security account in every governed region, protected", () => {
        for (const planned of [dev, prod]) {
            const accounts = ofType(planned, ACCOUNT);
            assert.deepEqual(accounts.map((a) => a.inputs.region).sort(), [...planned.regions].sort());
            for (const account of accounts) {
                assert.equal(account.inputs.status, "ENABLED");
                assert.equal(account.inputs.findingPublishingFrequency, "FIFTEEN_MINUTES");
                assert.equal(providerName(account), "security");
                assert.equal(account.protect, true);
            }
        }
    });

    it("designates the security account per region from the management account, after its Macie account", () => {
        for (const region of prod.regions) {
            const designation = single(prod, DESIGNATION, inRegion(region));
            assert.equal(designation.inputs.adminAccountId, prod.accounts.securityAdmin);
            assert.equal(providerName(designation), "management");
            assert.ok(designation.dependsOn.includes(single(prod, ACCOUNT, inRegion(region)).urn));
        }
    });

    it("auto-enables new accounts after the designation in the same region", () => {
        for (const region of dev.regions) {
            const configuration = single(dev, ORG_CONFIG, inRegion(region));
            assert.equal(configuration.inputs.autoEnable, true);
            assert.deepEqual(configuration.dependsOn, [single(dev, DESIGNATION, inRegion(region)).urn]);
        }
    });

    it("leaves the existing accounts of every region to the enrollment function", () => {
        for (const planned of [dev, prod]) {
            const settings = enrollmentSettings(single(planned, FUNCTION, OF_ENROLLMENT));
            assert.deepEqual(settings.regions.macie, offeredIn("macie", planned.regions));
            assert.equal(settings.quotas.macie, 10000);
        }
        assert.equal(ofType(prod, ENROLLMENT).length, 0, "no dynamic resource is left");
    });

    it("exports every region's discovery results to the findings bucket under macie/, with the findings key", () => {
        for (const planned of [dev, prod]) {
            const bucket = single(planned, BUCKET, ofFindingsBucket);
            const key = findingsKey(planned);
            const bucketPolicy = single(planned, BUCKET_POLICY, ofFindingsBucket);
            const keyArn = `arn:aws:kms:${planned.homeRegion}:${planned.accounts.securityAdmin}:key/`;
            for (const region of planned.regions) {
                const exported = single(planned, EXPORT, inRegion(region));
                const destination = exported.inputs.s3Destination as Record<string, string>;
                assert.equal(destination.bucketName, bucket.inputs.bucket);
                assert.equal(destination.keyPrefix, "macie");
                assert.ok(destination.kmsKeyArn.startsWith(keyArn), destination.kmsKeyArn);
                assert.ok(exported.dependsOn.includes(bucketPolicy.urn), "Macie checks it can write");
                assert.ok(exported.dependsOn.includes(single(planned, ACCOUNT, inRegion(region)).urn));
            }
            assert.ok(sids(key.inputs.policy).includes("MacieEncryptsFindings"));
            assert.ok(sids(bucketPolicy.inputs.policy).includes("MacieWritesUnderItsPrefix"));
        }
    });

    it("creates nothing of Macie and grants it nothing when disabled", () => {
        assert.deepEqual(
            disabled.resources.filter((r) => r.type.startsWith("aws:macie2/")).map((r) => r.name),
            [],
        );
        assert.equal(ofType(disabled, ENROLLMENT).filter((r) => r.inputs.service === "macie").length, 0);
        assert.ok(!sids(findingsKey(disabled).inputs.policy).some((sid) => sid.startsWith("Macie")));
        assert.ok(
            !sids(single(disabled, BUCKET_POLICY, ofFindingsBucket).inputs.policy).some((sid) =>
                sid.startsWith("Macie"),
            ),
        );
        assert.ok(ofType(disabled, "aws:detective/graph:Graph").length > 0, "the other services stay");
    });
});
