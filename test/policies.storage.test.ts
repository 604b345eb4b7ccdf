import * as assert from "node:assert/strict";
import {
    BUCKET_NAME,
    KEY_ARN,
    TLS_DENY_STATEMENT,
    compliantStack,
    keyPolicy,
    resource,
    urnOf,
    withInputs,
    withResource,
    without,
} from "./helpers/policy-fixtures";
import { analyze, expectPolicies, mandatory, policySession, withConfig } from "./helpers/policy-session";

const ENCRYPTION = "bucket-encryption";
const BUCKET_URN = urnOf("aws:s3/bucket:Bucket", "bucket");

function encryptionRule(rule: Record<string, unknown>) {
    return withInputs(compliantStack(), ENCRYPTION, { rules: [rule] });
}

describe("findings storage policies", function () {
    before(async function () {
        this.timeout(120_000);
        await policySession();
    });

    describe("s3-bucket-sse-kms-cmk", () => {
        it("rejects SSE-S3 (AES256)", async () => {
            const [d] = await expectPolicies(
                encryptionRule({
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
                    bucketKeyEnabled: true,
                }),
                ["s3-bucket-sse-kms-cmk"],
            );
            assert.match(d.message, /sseAlgorithm is AES256/);
        });

        it("rejects SSE-KMS with the AWS managed key, implicit or by alias", async () => {
            await expectPolicies(
                encryptionRule({
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" },
                    bucketKeyEnabled: true,
                }),
                ["s3-bucket-sse-kms-cmk"],
            );
            await expectPolicies(
                encryptionRule({
                    applyServerSideEncryptionByDefault: {
                        sseAlgorithm: "aws:kms",
                        kmsMasterKeyId: "alias/aws/s3",
                    },
                    bucketKeyEnabled: true,
                }),
                ["s3-bucket-sse-kms-cmk"],
            );
        });

        it("rejects SSE-KMS without an S3 Bucket Key", async () => {
            const [d] = await expectPolicies(
                encryptionRule({
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN },
                }),
                ["s3-bucket-sse-kms-cmk"],
            );
            assert.match(d.message, /bucketKeyEnabled/);
        });

        it("accepts DSSE-KMS with a customer-managed key, which has no Bucket Key", async () => {
            await expectPolicies(
                encryptionRule({
                    applyServerSideEncryptionByDefault: {
                        sseAlgorithm: "aws:kms:dsse",
                        kmsMasterKeyId: KEY_ARN,
                    },
                }),
                [],
            );
        });

        it("checks every encryption configuration, also of buckets that receive no findings and under the V2 token", async () => {
            const stack = [
                ...compliantStack(),
                resource(
                    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
                    "other-encryption",
                    {
                        bucket: "some-other-bucket",
                        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                    },
                ),
            ];
            const [d] = await expectPolicies(stack, ["s3-bucket-sse-kms-cmk"]);
            assert.equal(d.urn, stack[stack.length - 1].urn);
        });
    });

    describe("findings-bucket-encrypted", () => {
        it("rejects a findings bucket without KMS encryption (no encryption configuration)", async () => {
            const [d] = await expectPolicies(without(compliantStack(), ENCRYPTION), [
                "findings-bucket-encrypted",
            ]);
            assert.equal(d.urn, BUCKET_URN);
            assert.match(
                d.message,
                new RegExp(`Findings bucket ${BUCKET_NAME} has no BucketServerSideEncryptionConfiguration`),
            );
        });

        it("identifies a bucket only Macie exports to", async () => {
            const stack = withInputs(without(compliantStack(), ENCRYPTION), "publishing-destination", {
                destinationArn: "arn:aws:s3:::an-external-bucket",
            });
            const found = mandatory(await analyze(stack)).filter(
                (d) => d.policy === "findings-bucket-encrypted",
            );
            assert.deepEqual(found.map((d) => d.message.split("\n")[1].split(" has")[0]).sort(), [
                "Findings bucket an-external-bucket",
                `Findings bucket ${BUCKET_NAME}`,
            ]);
        });

        it("ignores buckets that receive no findings", async () => {
            const stack = [
                ...compliantStack(),
                resource("aws:s3/bucket:Bucket", "scratch", { bucket: "scratch" }),
            ];
            await expectPolicies(stack, []);
        });

        it("joins configuration to bucket through the engine's dependencies when names differ", async () => {
            // As under mocks: sub-resources carry the bucket's id, not its name, and depend on the bucket.
            let stack = compliantStack();
            for (const name of [
                ENCRYPTION,
                "bucket-public-access-block",
                "bucket-versioning",
                "bucket-policy",
                "bucket-lifecycle",
            ]) {
                stack = withResource(stack, name, (r) => ({
                    ...r,
                    inputs: { ...r.inputs, bucket: "bucket-mock-id" },
                    dependsOn: [BUCKET_URN],
                }));
            }
            await expectPolicies(stack, []);
            await expectPolicies(without(stack, ENCRYPTION), ["findings-bucket-encrypted"]);
        });
    });

    describe("s3-bucket-public-access-block and findings-bucket-public-access-blocked", () => {
        it("rejects a public access block with a setting off", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "bucket-public-access-block", { restrictPublicBuckets: false }),
                ["s3-bucket-public-access-block"],
            );
            assert.match(d.message, /Not true: restrictPublicBuckets/);
        });

        it("rejects a findings bucket without a public access block", async () => {
            await expectPolicies(without(compliantStack(), "bucket-public-access-block"), [
                "findings-bucket-public-access-blocked",
            ]);
        });
    });

    describe("s3-bucket-versioning-enabled and findings-bucket-versioned", () => {
        it("rejects Suspended versioning", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "bucket-versioning", {
                    versioningConfiguration: { status: "Suspended" },
                }),
                ["s3-bucket-versioning-enabled"],
            );
        });

        it("rejects a findings bucket without versioning", async () => {
            await expectPolicies(without(compliantStack(), "bucket-versioning"), [
                "findings-bucket-versioned",
            ]);
        });
    });

    describe("findings-bucket-access-logged", () => {
        it("rejects a findings bucket that logs no server access", async () => {
            const [d] = await expectPolicies(without(compliantStack(), "bucket-logging"), [
                "findings-bucket-access-logged",
            ]);
            assert.equal(d.urn, BUCKET_URN);
        });
    });

    describe("s3-bucket-sse-kms-cmk on a server access log target", () => {
        const LOGS = "access-logs";
        const target = (rule: Record<string, unknown>) => [
            ...compliantStack(),
            resource("aws:s3/bucket:Bucket", "log-bucket", { bucket: LOGS }, { protect: true }),
            resource(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "log-encryption",
                { bucket: LOGS, rules: [rule] },
            ),
        ];

        it("accepts SSE-S3 (AES256), the only default encryption S3 delivers access logs to", async () => {
            await expectPolicies(
                target({ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }),
                [],
            );
        });

        it("rejects SSE-KMS on the target, and still SSE-S3 on a bucket no logging names", async () => {
            const kms = target({
                applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN },
                bucketKeyEnabled: true,
            });
            const [d] = await expectPolicies(kms, ["s3-bucket-sse-kms-cmk"]);
            assert.match(d.message, /a server access log target must use AES256/);
            const untargeted = withInputs(
                target({ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }),
                "bucket-logging",
                { targetBucket: "elsewhere" },
            );
            const [e] = await expectPolicies(untargeted, ["s3-bucket-sse-kms-cmk"]);
            assert.match(e.message, /sseAlgorithm is AES256; it must be aws:kms/);
        });
    });

    describe("findings-bucket-tls-only", () => {
        it("rejects a findings bucket without a bucket policy", async () => {
            await expectPolicies(without(compliantStack(), "bucket-policy"), ["findings-bucket-tls-only"]);
        });

        it("rejects a policy whose TLS deny covers only some actions", async () => {
            const partial = { ...TLS_DENY_STATEMENT, Action: "s3:PutObject" };
            await expectPolicies(
                withInputs(compliantStack(), "bucket-policy", { policy: keyPolicy([partial]) }),
                ["findings-bucket-tls-only"],
            );
        });

        it("rejects a deny conditioned on aws:SecureTransport true", async () => {
            const inverted = {
                ...TLS_DENY_STATEMENT,
                Condition: { Bool: { "aws:SecureTransport": "true" } },
            };
            await expectPolicies(
                withInputs(compliantStack(), "bucket-policy", { policy: keyPolicy([inverted]) }),
                ["findings-bucket-tls-only"],
            );
        });

        it("rejects a TLS deny that names one role instead of everyone", async () => {
            const oneRole = {
                ...TLS_DENY_STATEMENT,
                Principal: { AWS: "arn:aws:iam::222222222222:role/Deployer" },
            };
            await expectPolicies(
                withInputs(compliantStack(), "bucket-policy", { policy: keyPolicy([oneRole]) }),
                ["findings-bucket-tls-only"],
            );
        });

        it("rejects a TLS deny narrowed by another condition (one principal, one source)", async () => {
            for (const narrowing of [
                { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::222222222222:role/Deployer" } },
                { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } },
            ]) {
                const narrowed = {
                    ...TLS_DENY_STATEMENT,
                    Condition: { Bool: { "aws:SecureTransport": "false" }, ...narrowing },
                };
                await expectPolicies(
                    withInputs(compliantStack(), "bucket-policy", { policy: keyPolicy([narrowed]) }),
                    ["findings-bucket-tls-only"],
                );
            }
        });

        it('accepts the policy given as an object, with Principal {AWS: "*"}', async () => {
            const statement = { ...TLS_DENY_STATEMENT, Principal: { AWS: "*" }, Action: ["s3:*"] };
            await expectPolicies(
                withInputs(compliantStack(), "bucket-policy", {
                    policy: { Version: "2012-10-17", Statement: [statement] },
                }),
                [],
            );
        });
    });

    describe("findings-bucket-retention", () => {
        it("rejects expiring current findings before 365 days", async () => {
            const [d] = await expectPolicies(
                withInputs(compliantStack(), "bucket-lifecycle", {
                    rules: [{ id: "month", status: "Enabled", expiration: { days: 30 } }],
                }),
                ["findings-bucket-retention"],
            );
            assert.match(d.message, /rule month expires findings after 30 days; keep them at least 365/);
        });

        it("rejects expiring noncurrent versions before 365 days", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "bucket-lifecycle", {
                    rules: [
                        { id: "nc", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } },
                    ],
                }),
                ["findings-bucket-retention"],
            );
        });

        it("accepts a disabled short rule, and no lifecycle at all (kept forever)", async () => {
            await expectPolicies(
                withInputs(compliantStack(), "bucket-lifecycle", {
                    rules: [{ id: "off", status: "Disabled", expiration: { days: 1 } }],
                }),
                [],
            );
            await expectPolicies(without(compliantStack(), "bucket-lifecycle"), []);
        });

        it("follows minRetentionDays", async () => {
            await withConfig({ "findings-bucket-retention": { minRetentionDays: 500 } }, async () =>
                expectPolicies(compliantStack(), ["findings-bucket-retention"]),
            );
        });
    });

    describe("data-resources-protected", () => {
        for (const name of ["detector", "bucket", "key"]) {
            it(`rejects an unprotected ${name}`, async () => {
                const stack = withResource(compliantStack(), name, (r) => ({ ...r, protect: false }));
                const [d] = await expectPolicies(stack, ["data-resources-protected"]);
                assert.equal(d.urn, stack.find((r) => r.name === name)?.urn);
            });
        }

        it("rejects an unprotected bucket that receives the findings bucket's access logs", async () => {
            const logs = resource("aws:s3/bucket:Bucket", "log-bucket", { bucket: "access-logs" });
            const [d] = await expectPolicies([...compliantStack(), logs], ["data-resources-protected"]);
            assert.equal(d.urn, logs.urn);
            assert.match(d.message, /log-bucket is not protected: deleting it loses the record of who read/);
            await expectPolicies([...compliantStack(), { ...logs, protect: true }], []);
        });

        it("does not require protection of buckets that receive no findings", async () => {
            await expectPolicies([...compliantStack(), resource("aws:s3/bucket:Bucket", "scratch", {})], []);
        });

        it("is skipped with requireProtection false", async () => {
            const stack = withResource(compliantStack(), "key", (r) => ({ ...r, protect: false }));
            await withConfig({ "data-resources-protected": { requireProtection: false } }, async () =>
                expectPolicies(stack, []),
            );
        });
    });
});
