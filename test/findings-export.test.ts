import { strict as assert } from "node:assert";
import { PlanDocument } from "../tools/plan-runtime";
import {
    exportKeyPolicy,
    guardDutyServiceRoleArn,
    PolicyDocument,
    PolicyStatement,
} from "../components/policy-documents";
import { findingsKey, ofType, plan, single, ofFindingsBucket } from "./helpers/plan";

/** The findings bucket's resources, not those of the access-log bucket beside it (test/access-logs.test.ts). */

function statements(document: unknown): PolicyStatement[] {
    return (JSON.parse(String(document)) as PolicyDocument).Statement;
}

function bySid(list: PolicyStatement[], sid: string): PolicyStatement {
    const statement = list.find((s) => s.Sid === sid);
    assert.ok(statement, `statement ${sid} is present`);
    return statement;
}

describe("findings export", () => {
    let prod: PlanDocument;
    let dev: PlanDocument;
    before(async () => {
        prod = await plan("prod");
        dev = await plan("dev");
    });

    it("uses a customer-managed key with rotation and the configured deletion window, protected", () => {
        const key = findingsKey(prod);
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.equal(key.inputs.deletionWindowInDays, 30);
        assert.equal(findingsKey(dev).inputs.deletionWindowInDays, 7);
        assert.equal(key.protect, true);
        assert.equal(key.retainOnDelete, true);
        const homeDetector = single(
            prod,
            "aws:guardduty/detector:Detector",
            (d) => d.inputs.region === prod.homeRegion,
        );
        assert.ok(
            key.dependsOn.includes(homeDetector.urn),
            "the key policy names GuardDuty's role: GuardDuty must be on first",
        );
    });

    it("lets GuardDuty use the key only for the security account's detectors in governed regions", () => {
        const key = findingsKey(prod);
        const policy = statements(key.inputs.policy);
        const admin = bySid(policy, "AdministerFromSecurityAccount");
        assert.deepEqual(admin.Principal, { AWS: `arn:aws:iam::${prod.accounts.securityAdmin}:root` });
        const guardduty = bySid(policy, "GuardDutyEncryptsFindings");
        assert.deepEqual(guardduty.Principal, { Service: ["guardduty.amazonaws.com"] });
        assert.equal(guardduty.Action, "kms:GenerateDataKey");
        assert.deepEqual(guardduty.Condition?.StringEquals, {
            "aws:SourceAccount": prod.accounts.securityAdmin,
        });
        const arns = guardduty.Condition?.ArnLike["aws:SourceArn"] as string[];
        assert.equal(arns.length, prod.regions.length);
        assert.ok(arns.every((arn) => arn.endsWith(`:${prod.accounts.securityAdmin}:detector/*`)));
        const lists = bySid(policy, "GuardDutyReadsIpLists");
        assert.deepEqual(lists.Principal, { AWS: guardDutyServiceRoleArn(prod.accounts.securityAdmin) });
        assert.equal(lists.Action, "kms:Decrypt");
        assert.ok(
            policy.every((s) => s.Principal !== "*"),
            "no wildcard principal in the key policy",
        );
    });

    it("names the regional GuardDuty principal of an opt-in region", async () => {
        const withOptIn = await plan("dev", {
            configOverrides: { "security-governance:regions": ["eu-west-1", "us-east-1", "me-south-1"] },
        });
        const guardduty = bySid(
            statements(findingsKey(withOptIn).inputs.policy),
            "GuardDutyEncryptsFindings",
        );
        assert.deepEqual(guardduty.Principal, {
            Service: ["guardduty.amazonaws.com", "guardduty.me-south-1.amazonaws.com"],
        });
    });

    it("encrypts the bucket with the key and a bucket key, blocks public access and enforces ownership", () => {
        const bucket = single(prod, "aws:s3/bucket:Bucket", ofFindingsBucket);
        assert.equal(bucket.protect, true);
        assert.equal(bucket.retainOnDelete, true, "a destroy leaves the findings in place");
        assert.equal(bucket.inputs.forceDestroy, false);
        const encryption = single(
            prod,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            ofFindingsBucket,
        );
        const [rule] = encryption.inputs.rules as {
            applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId: string };
            bucketKeyEnabled: boolean;
        }[];
        assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        assert.match(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId, /^arn:aws:kms:/);
        assert.equal(rule.bucketKeyEnabled, true);
        const block = single(
            prod,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            ofFindingsBucket,
        );
        for (const setting of [
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ]) {
            assert.equal(block.inputs[setting], true, setting);
        }
        const ownership = single(
            prod,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            ofFindingsBucket,
        );
        assert.deepEqual(ownership.inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
        const versioning = single(prod, "aws:s3/bucketVersioning:BucketVersioning", ofFindingsBucket);
        assert.deepEqual(versioning.inputs.versioningConfiguration, { status: "Enabled" });
    });

    it("archives then expires current and noncurrent versions as configured", () => {
        const lifecycle = single(
            prod,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            ofFindingsBucket,
        );
        const [rule] = lifecycle.inputs.rules as Record<string, unknown>[];
        assert.equal(rule.status, "Enabled");
        assert.deepEqual(rule.transitions, [{ days: 90, storageClass: "GLACIER" }]);
        assert.deepEqual(rule.expiration, { days: 730 });
        assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 730 });
    });

    it("meets seed 004's bucket policy and scopes GuardDuty to its prefix and our account", () => {
        const bucket = single(prod, "aws:s3/bucket:Bucket", ofFindingsBucket);
        const key = findingsKey(prod);
        const bucketArn = `arn:aws:s3:::${bucket.inputs.bucket}`;
        const policy = statements(
            single(prod, "aws:s3/bucketPolicy:BucketPolicy", ofFindingsBucket).inputs.policy,
        );
        const tls = bySid(policy, "DenyNonTlsAccess");
        assert.equal(tls.Effect, "Deny");
        assert.deepEqual(tls.Resource, [bucketArn, `${bucketArn}/*`]);
        assert.deepEqual(tls.Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.deepEqual(bySid(policy, "DenyUploadsNotEncryptedWithKms").Condition, {
            StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
        });
        const wrongKey = bySid(policy, "DenyUploadsUnderAnotherKey");
        assert.match(
            String(wrongKey.Condition?.StringNotEquals["s3:x-amz-server-side-encryption-aws-kms-key-id"]),
            new RegExp(`^arn:aws:kms:${prod.homeRegion}:${prod.accounts.securityAdmin}:key/`),
        );
        void key;
        const write = bySid(policy, "GuardDutyWritesUnderItsPrefix");
        assert.equal(write.Resource, `${bucketArn}/guardduty/*`);
        assert.deepEqual(write.Condition?.StringEquals, { "aws:SourceAccount": prod.accounts.securityAdmin });
        assert.equal(bySid(policy, "GuardDutyLocatesBucket").Action, "s3:GetBucketLocation");
        const allows = policy.filter((s) => s.Effect === "Allow");
        assert.ok(
            allows.every(
                (s) => typeof s.Principal === "object" && s.Principal.Service !== undefined && s.Condition,
            ),
        );
    });

    it("keeps each service under its own literal prefix: guardduty/, macie/, and the lists under guardduty-lists/", () => {
        const bucket = single(prod, "aws:s3/bucket:Bucket", ofFindingsBucket);
        const bucketArn = `arn:aws:s3:::${bucket.inputs.bucket}`;
        const lifecycle = single(
            prod,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            ofFindingsBucket,
        );
        const prefixes = (lifecycle.inputs.rules as { filter: { prefix: string } }[]).map(
            (r) => r.filter.prefix,
        );
        assert.deepEqual(prefixes.sort(), ["guardduty/AWSLogs/", "macie/AWSLogs/"]);
        const policy = statements(
            single(prod, "aws:s3/bucketPolicy:BucketPolicy", ofFindingsBucket).inputs.policy,
        );
        assert.equal(bySid(policy, "MacieWritesUnderItsPrefix").Resource, `${bucketArn}/macie/*`);
        const lists = ofType(prod, "aws:s3/bucketObjectv2:BucketObjectv2").filter(
            (o) => o.inputs.key !== "guardduty/",
        );
        assert.ok(lists.length >= 2);
        for (const list of lists)
            assert.match(String(list.inputs.key), /^guardduty-lists\/(trusted|threat)\//);
    });

    it("grants the export key to exactly the exporting services, each under its own statement", async () => {
        const sids = (planned: PlanDocument) =>
            statements(findingsKey(planned).inputs.policy).map((statement) => statement.Sid);
        assert.deepEqual(sids(prod), [
            "AdministerFromSecurityAccount",
            "GuardDutyEncryptsFindings",
            "GuardDutyReadsIpLists",
            "MacieEncryptsFindings",
        ]);
        const withoutMacie = await plan("dev", {
            configOverrides: { "security-governance:macie": { enabled: false } },
        });
        assert.deepEqual(sids(withoutMacie), [
            "AdministerFromSecurityAccount",
            "GuardDutyEncryptsFindings",
            "GuardDutyReadsIpLists",
        ]);
        // And the renderer follows the services it is given, GuardDuty included.
        const macieOnly = exportKeyPolicy({
            securityAccountId: "222222222222",
            regions: ["eu-west-1"],
            services: ["macie"],
        });
        assert.deepEqual(
            macieOnly.Statement.map((statement) => statement.Sid),
            ["AdministerFromSecurityAccount", "MacieEncryptsFindings"],
        );
    });
});
