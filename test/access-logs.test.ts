import { strict as assert } from "node:assert";
import { PolicyDocument } from "../components/policy-documents";
import { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { plan, single } from "./helpers/plan";

/*
 * The findings bucket's server access logs (Security Hub CSPM control S3.9) and the bucket they go to. Expected values
 * from the S3 user guide, "Enabling Amazon S3 server access logging": a target in the same account and Region, with
 * SSE-S3 default encryption only, without Object Lock, writable by `logging.s3.amazonaws.com` through the bucket
 * policy with aws:SourceArn and aws:SourceAccount.
 */

const ofLogBucket = (r: PlannedResource) => r.name.startsWith("findings-access-logs");

describe("findings access logs", () => {
    let prod: PlanDocument;
    let dev: PlanDocument;
    let logName: string;
    let findingsName: string;
    before(async () => {
        prod = await plan("prod");
        dev = await plan("dev");
        logName = `security-governance-access-logs-${prod.accounts.securityAdmin}-${prod.homeRegion}`;
        findingsName = `security-governance-findings-${prod.accounts.securityAdmin}-${prod.homeRegion}`;
    });

    it("logs the findings bucket's server access to the access-log bucket, under the findings bucket's name", () => {
        const logging = single(prod, "aws:s3/bucketLogging:BucketLogging");
        assert.equal(logging.inputs.bucket, findingsName);
        assert.equal(logging.inputs.targetBucket, logName);
        assert.equal(logging.inputs.targetPrefix, `${findingsName}/`);
        assert.equal(logging.inputs.region, prod.homeRegion);
        const policy = single(prod, "aws:s3/bucketPolicy:BucketPolicy", ofLogBucket);
        assert.ok(logging.dependsOn.includes(policy.urn), "logging waits until S3 may deliver");
        assert.equal(logging.retainOnDelete, true, "a kept findings bucket stays logged");
    });

    it("keeps the log bucket in the home region of the security account, kept and protected like the findings", () => {
        const bucket = single(prod, "aws:s3/bucket:Bucket", ofLogBucket);
        assert.equal(bucket.inputs.bucket, logName);
        assert.equal(bucket.inputs.region, prod.homeRegion);
        assert.equal(bucket.protect, true);
        assert.equal(bucket.retainOnDelete, true);
        assert.equal(bucket.inputs.forceDestroy, false);
        assert.ok(logName.length <= 63, "an S3 bucket name has at most 63 characters");
        assert.equal(bucket.provider, single(prod, "aws:s3/bucket:Bucket", (r) => !ofLogBucket(r)).provider);
    });

    it("encrypts with SSE-S3, never a KMS key, and has no Object Lock even when the findings bucket does", () => {
        const encryption = single(
            prod,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            ofLogBucket,
        );
        assert.deepEqual(encryption.inputs.rules, [
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ]);
        const locks = prod.resources.filter(
            (r) => r.type === "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        );
        assert.equal(locks.length, 1, "prod locks the findings bucket");
        assert.notEqual(locks[0].inputs.bucket, logName);
    });

    it("blocks public access, disables ACLs and versions objects", () => {
        const block = single(prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", ofLogBucket);
        for (const flag of [
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ]) {
            assert.equal(block.inputs[flag], true, flag);
        }
        const ownership = single(prod, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", ofLogBucket);
        assert.deepEqual(ownership.inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
        const versioning = single(prod, "aws:s3/bucketVersioning:BucketVersioning", ofLogBucket);
        assert.deepEqual(versioning.inputs.versioningConfiguration, { status: "Enabled" });
    });

    it("lets only S3's log delivery write, only for the findings bucket of our account, only over TLS", () => {
        const policy = single(prod, "aws:s3/bucketPolicy:BucketPolicy", ofLogBucket);
        const document = JSON.parse(String(policy.inputs.policy)) as PolicyDocument;
        const arn = `arn:aws:s3:::${logName}`;
        assert.deepEqual(document.Statement, [
            {
                Sid: "DenyNonTlsAccess",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "S3ServerAccessLogs0",
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${arn}/${findingsName}/*`,
                Condition: {
                    ArnLike: { "aws:SourceArn": `arn:aws:s3:::${findingsName}` },
                    StringEquals: { "aws:SourceAccount": prod.accounts.securityAdmin },
                },
            },
        ]);
    });

    it("expires logs with the findings by default (dev 180 days, prod 730), or after the configured retention", async () => {
        const lifecycle = (planned: PlanDocument) =>
            single(planned, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", ofLogBucket);
        const [rule] = lifecycle(dev).inputs.rules as Record<string, unknown>[];
        assert.equal(rule.status, "Enabled");
        assert.deepEqual(rule.expiration, { days: 180 });
        assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 180 });
        const [prodRule] = lifecycle(prod).inputs.rules as Record<string, unknown>[];
        assert.deepEqual(prodRule.expiration, { days: 730 });
        assert.deepEqual(prodRule.noncurrentVersionExpiration, { noncurrentDays: 730 });
        const longer = await plan("dev", {
            configOverrides: { "security-governance:findingsExport": { accessLogRetentionDays: 730 } },
        });
        const [kept] = lifecycle(longer).inputs.rules as Record<string, unknown>[];
        assert.deepEqual(kept.expiration, { days: 730 });
    });
});
