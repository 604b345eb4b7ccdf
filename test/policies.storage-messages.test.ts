import * as assert from "node:assert/strict";
import {
    BUCKET_NAME,
    KEY_ARN,
    TLS_DENY_STATEMENT,
    UNKNOWN_VALUE,
    compliantStack,
    keyPolicy,
    resource,
    urnOf,
    withInputs,
    withResource,
    without,
} from "./helpers/policy-fixtures";
import { PlannedResource } from "../tools/policy-driver";
import {
    analyze,
    byPolicy,
    expectPolicies,
    policySession,
    violationText,
    violationsOf,
    withConfig,
} from "./helpers/policy-session";

/**
 * The findings-storage policies' exact answers: the words a user reads to fix the stack, which resource
 * they are pinned to, and the preview cases where a value is not known yet and the policy must not guess.
 */

const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_URN = urnOf(BUCKET, "bucket");
const DETECTOR_URN = urnOf("aws:guardduty/detector:Detector", "detector");
const KEY_URN = urnOf("aws:kms/key:Key", "key");
const LIFECYCLE_URN = urnOf(
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "bucket-lifecycle",
);

const said = violationText;
const messages = violationsOf;

const encryption = (rule: unknown) =>
    withInputs(compliantStack(), "bucket-encryption", { rules: rule === undefined ? undefined : [rule] });
const sse = (byDefault: Record<string, unknown>, bucketKeyEnabled: unknown = true) => ({
    applyServerSideEncryptionByDefault: byDefault,
    bucketKeyEnabled,
});
// Given as an object, as @pulumi/aws accepts it, so that single values in it can be unknown during preview
// (inside a JSON string the whole string would be unknown).
const tls = (statements: unknown[]) =>
    withInputs(compliantStack(), "bucket-policy", {
        policy: { Version: "2012-10-17", Statement: statements },
    });
const TLS_MESSAGE =
    `Findings bucket ${BUCKET_NAME} has no bucket policy statement denying "s3:*" to "*" when ` +
    `aws:SecureTransport is "false".`;
const UNENCRYPTED = (bucket: string) =>
    `Findings bucket ${bucket} has no BucketServerSideEncryptionConfiguration: without one S3 encrypts with ` +
    "SSE-S3, not a customer-managed KMS key.";

/** Every diagnostic of the stack, so that a policy that crashes on a value shows up too. */
async function everything(resources: PlannedResource[]): Promise<string[]> {
    return (await analyze(resources)).map((d) => `${d.policy}: ${d.message}`);
}

/** The publishing destination's ARN unknown (as in a preview), its bucket found only through `dependsOn`. */
const destinationVia = (stack: PlannedResource[], dependsOn: string[], more: Partial<PlannedResource> = {}) =>
    withResource(stack, "publishing-destination", (r) => ({
        ...r,
        inputs: { ...r.inputs, destinationArn: UNKNOWN_VALUE },
        dependsOn,
        ...more,
    }));
const scratchBucket = (inputs: Record<string, unknown>, protect = false) =>
    resource(BUCKET, "scratch", inputs, { protect });

describe("findings storage policies: exact messages and preview-unknown values", function () {
    before(async function () {
        this.timeout(120_000);
        await policySession();
    });

    describe("s3-bucket-sse-kms-cmk", () => {
        const P = "s3-bucket-sse-kms-cmk";

        it("names what is wrong with each rule", async () => {
            const cases: [PlannedResource[], string[]][] = [
                [encryption(undefined), ["The encryption configuration has no rules."]],
                [
                    withInputs(compliantStack(), "bucket-encryption", { rules: [] }),
                    ["The encryption configuration has no rules."],
                ],
                [encryption({}), ["sseAlgorithm is unset; it must be aws:kms or aws:kms:dsse."]],
                [
                    encryption(sse({ sseAlgorithm: "aws:kms", kmsMasterKeyId: "" })),
                    [
                        "kmsMasterKeyId is not set, so S3 uses the AWS managed key aws/s3, not a customer-managed key.",
                    ],
                ],
                [
                    encryption(sse({ sseAlgorithm: "aws:kms" })),
                    [
                        "kmsMasterKeyId is not set, so S3 uses the AWS managed key aws/s3, not a customer-managed key.",
                    ],
                ],
                [
                    encryption(
                        sse({
                            sseAlgorithm: "aws:kms",
                            kmsMasterKeyId: "arn:aws:kms:eu-west-1:2:alias/aws/s3",
                        }),
                    ),
                    [
                        "kmsMasterKeyId arn:aws:kms:eu-west-1:2:alias/aws/s3 is the AWS managed key; use a customer-managed key.",
                    ],
                ],
                [
                    encryption(sse({ sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN }, false)),
                    [
                        "bucketKeyEnabled is not true: every object write calls KMS, at cost and throttling risk.",
                    ],
                ],
            ];
            for (const [stack, expected] of cases) {
                assert.deepEqual(await messages(stack, P), expected);
            }
        });

        it("does not guess while a rule's values are unknown", async () => {
            for (const stack of [
                withInputs(compliantStack(), "bucket-encryption", { rules: UNKNOWN_VALUE }),
                encryption(sse({ sseAlgorithm: UNKNOWN_VALUE })),
                encryption(sse({ sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN_VALUE })),
                encryption(sse({ sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN }, UNKNOWN_VALUE)),
                // A rule that is not an object carries nothing to judge; the good rule beside it passes.
                withInputs(compliantStack(), "bucket-encryption", {
                    rules: ["not a rule", sse({ sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN })],
                }),
            ]) {
                assert.deepEqual(await messages(stack, P), []);
            }
        });
    });

    it("s3-bucket-public-access-block lists the settings that are off, in order, skipping unknown ones", async () => {
        const stack = withInputs(compliantStack(), "bucket-public-access-block", {
            blockPublicAcls: false,
            blockPublicPolicy: UNKNOWN_VALUE,
            ignorePublicAcls: undefined,
        });
        assert.deepEqual(await messages(stack, "s3-bucket-public-access-block"), [
            "Not true: blockPublicAcls, ignorePublicAcls.",
        ]);
    });

    it("s3-bucket-versioning-enabled names the status, and waits for an unknown one", async () => {
        const versioning = (status: unknown) =>
            withInputs(compliantStack(), "bucket-versioning", { versioningConfiguration: { status } });
        const P = "s3-bucket-versioning-enabled";
        assert.deepEqual(await messages(versioning("Suspended"), P), [
            "Versioning status is Suspended; it must be Enabled.",
        ]);
        assert.deepEqual(await messages(versioning(undefined), P), [
            "Versioning status is unset; it must be Enabled.",
        ]);
        assert.deepEqual(await messages(versioning(UNKNOWN_VALUE), P), []);
    });

    describe("findings buckets: which bucket, and whether a sub-resource configures it", () => {
        it("says what each missing sub-resource is, pinned to the bucket", async () => {
            const cases: [string, string, string][] = [
                [
                    "bucket-encryption",
                    "findings-bucket-encrypted",
                    `Findings bucket ${BUCKET_NAME} has no BucketServerSideEncryptionConfiguration: without one ` +
                        "S3 encrypts with SSE-S3, not a customer-managed KMS key.",
                ],
                [
                    "bucket-public-access-block",
                    "findings-bucket-public-access-blocked",
                    `Findings bucket ${BUCKET_NAME} has no BucketPublicAccessBlock.`,
                ],
                [
                    "bucket-versioning",
                    "findings-bucket-versioned",
                    `Findings bucket ${BUCKET_NAME} has no BucketVersioning configuration.`,
                ],
            ];
            for (const [missing, policy, message] of cases) {
                const [d] = await expectPolicies(without(compliantStack(), missing), [policy]);
                assert.equal(said(d), message);
                assert.equal(d.urn, BUCKET_URN);
            }
        });

        it("recognises the deprecated V2 bucket, versioning and lifecycle types", async () => {
            const v2 = (stack: PlannedResource[], name: string, type: string) =>
                withResource(stack, name, (r) => ({ ...r, type, urn: urnOf(type, r.name) }));
            let stack = v2(compliantStack(), "bucket", "aws:s3/bucketV2:BucketV2");
            stack = v2(stack, "bucket-versioning", "aws:s3/bucketVersioningV2:BucketVersioningV2");
            stack = v2(
                stack,
                "bucket-lifecycle",
                "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
            );
            await expectPolicies(stack, []);
            const short = withInputs(stack, "bucket-lifecycle", {
                rules: [{ id: "x", status: "Enabled", expiration: { days: 1 } }],
            });
            await expectPolicies(short, ["findings-bucket-retention"]);
            const unprotected = withResource(stack, "bucket", (r) => ({ ...r, protect: false }));
            await expectPolicies(unprotected, ["data-resources-protected"]);
        });

        it("does not count a sub-resource of another bucket, by name", async () => {
            const stack = withInputs(compliantStack(), "bucket-encryption", { bucket: "scratch" });
            await expectPolicies(stack, ["findings-bucket-encrypted"]);
        });

        it("leaves a sub-resource whose bucket is unknown and untraceable open (maybe), not missing", async () => {
            const stack = withInputs(compliantStack(), "bucket-versioning", { bucket: UNKNOWN_VALUE });
            await expectPolicies(stack, []);
        });

        it("names a bucket whose name is not known yet by its resource name, and follows dependencies", async () => {
            let stack = withInputs(compliantStack(), "bucket", { bucket: UNKNOWN_VALUE });
            for (const name of [
                "bucket-public-access-block",
                "bucket-versioning",
                "bucket-policy",
                "bucket-lifecycle",
                "bucket-logging",
            ]) {
                stack = withResource(stack, name, (r) => ({
                    ...r,
                    inputs: { ...r.inputs, bucket: UNKNOWN_VALUE },
                    dependsOn: [BUCKET_URN],
                }));
            }
            for (const name of ["publishing-destination", "macie-export"]) {
                stack = withResource(stack, name, (r) => ({ ...r, dependsOn: [BUCKET_URN] }));
            }
            stack = withInputs(stack, "publishing-destination", { destinationArn: UNKNOWN_VALUE });
            stack = withInputs(stack, "macie-export", {
                s3Destination: { bucketName: UNKNOWN_VALUE, keyPrefix: "macie/", kmsKeyArn: KEY_ARN },
            });
            // Both exports reach the same bucket resource: one finding, not two.
            const found = await expectPolicies(without(stack, "bucket-encryption"), [
                "findings-bucket-encrypted",
            ]);
            assert.equal(found.length, 1);
            assert.match(said(found[0]), /^Findings bucket bucket has no /);
            assert.equal(found[0].urn, BUCKET_URN);
        });

        it("merges what two exports know of one bucket: a name from one, the resource from the other", async () => {
            let stack = withInputs(compliantStack(), "bucket", { bucket: UNKNOWN_VALUE });
            stack = withResource(stack, "publishing-destination", (r) => ({
                ...r,
                inputs: { ...r.inputs, destinationArn: UNKNOWN_VALUE },
                dependsOn: [BUCKET_URN],
            }));
            stack = withResource(stack, "macie-export", (r) => ({ ...r, dependsOn: [BUCKET_URN] }));
            // The Macie export still names the bucket: the name joins the resource found through dependencies.
            const [named] = byPolicy(
                await analyze(without(stack, "bucket-encryption")),
                "findings-bucket-encrypted",
            );
            assert.match(said(named), new RegExp(`^Findings bucket ${BUCKET_NAME} has no `));
            assert.equal(named.urn, BUCKET_URN);

            // The other way round: the destination knows only the name (from its ARN); the export knows the name
            // and, through its dependency, the resource.
            let reverse = withInputs(compliantStack(), "bucket", { bucket: UNKNOWN_VALUE });
            reverse = withResource(reverse, "macie-export", (r) => ({
                ...r,
                inputs: {
                    ...r.inputs,
                    s3Destination: { bucketName: BUCKET_NAME, keyPrefix: "m/", kmsKeyArn: KEY_ARN },
                },
                dependsOn: [BUCKET_URN],
            }));
            const found = byPolicy(
                await analyze(without(reverse, "bucket-encryption")),
                "findings-bucket-encrypted",
            );
            assert.deepEqual(
                found.map((d) => [d.urn, said(d).split(" has ")[0]]),
                [[BUCKET_URN, `Findings bucket ${BUCKET_NAME}`]],
            );
        });

        it("reads the bucket name from an S3 ARN with a prefix, and ignores a destination that is not S3", async () => {
            const prefixed = withInputs(
                without(compliantStack(), "bucket-encryption"),
                "publishing-destination",
                {
                    destinationArn: `arn:aws:s3:::${BUCKET_NAME}/guardduty/`,
                },
            );
            const found = byPolicy(await analyze(prefixed), "findings-bucket-encrypted");
            assert.deepEqual(
                found.map((d) => d.urn),
                [BUCKET_URN],
            );
            const elsewhere = withInputs(
                without(compliantStack(), "macie-export", "bucket-encryption"),
                "publishing-destination",
                { destinationArn: "arn:aws:sns:eu-west-1:222222222222:topic" },
            );
            assert.deepEqual(byPolicy(await analyze(elsewhere), "findings-bucket-encrypted"), []);
        });

        it('an auto-named bucket (bucket: "") is named by its resource', async () => {
            // Catches taking "" for a name: "Findings bucket  has no ...".
            let stack = withInputs(compliantStack(), "bucket", { bucket: "" });
            stack = without(destinationVia(stack, [BUCKET_URN]), "macie-export", "bucket-encryption");
            assert.deepEqual(await messages(stack, "findings-bucket-encrypted"), [UNENCRYPTED("bucket")]);
        });

        it("no guess among buckets: an unknown name, two bucket dependencies, a bucket policy's dependency", async () => {
            for (const stack of [
                // Catches matching an unnamed bucket to an unknown name (undefined === undefined).
                destinationVia([scratchBucket({}), ...compliantStack()], [BUCKET_URN]),
                // Catches picking one of two buckets the destination depends on.
                destinationVia(
                    [scratchBucket({ bucket: "scratch" }), ...compliantStack()],
                    [urnOf(BUCKET, "scratch"), BUCKET_URN],
                ),
                // Catches any resource depending on one bucket (here its own policy) making it a findings bucket.
                [
                    ...compliantStack(),
                    scratchBucket({ bucket: "scratch" }),
                    resource(
                        "aws:s3/bucketPolicy:BucketPolicy",
                        "scratch-policy",
                        { bucket: "scratch", policy: keyPolicy([]) },
                        { dependsOn: [urnOf(BUCKET, "scratch")] },
                    ),
                ],
            ]) {
                assert.deepEqual(await everything(stack), []);
            }
        });

        it("only buckets count among a destination's dependencies (detector, bucket, key)", async () => {
            // Catches counting the detector and the key as candidate buckets: three, so no findings bucket.
            let stack = without(compliantStack(), "macie-export");
            stack = destinationVia(stack, [DETECTOR_URN, BUCKET_URN, KEY_URN]);
            stack = withResource(stack, "bucket", (r) => ({ ...r, protect: false }));
            assert.deepEqual(await messages(stack, "data-resources-protected"), [
                `Findings bucket ${BUCKET_NAME} is not protected: deleting it loses the findings archive. Set protect: true.`,
            ]);
        });

        it("follows per-property dependencies: destinationArn, s3Destination, a sub-resource's bucket", async () => {
            // Each catches reading every dependency instead of the property's: two buckets, so no answer or the wrong one.
            const scratch = scratchBucket({ bucket: "scratch" }, true);
            const viaDestination = destinationVia(
                without([scratch, ...compliantStack()], "macie-export", "bucket-encryption"),
                [DETECTOR_URN, scratch.urn, BUCKET_URN, KEY_URN],
                {
                    propertyDependencies: {
                        detectorId: [DETECTOR_URN],
                        destinationArn: [BUCKET_URN],
                        kmsKeyArn: [KEY_URN],
                    },
                },
            );
            assert.deepEqual(await messages(viaDestination, "findings-bucket-encrypted"), [
                UNENCRYPTED(BUCKET_NAME),
            ]);
            const viaExport = withResource(
                without([scratch, ...compliantStack()], "publishing-destination", "bucket-encryption"),
                "macie-export",
                (r) => ({
                    ...r,
                    inputs: {
                        s3Destination: { bucketName: UNKNOWN_VALUE, keyPrefix: "macie/", kmsKeyArn: KEY_ARN },
                    },
                    dependsOn: [scratch.urn, BUCKET_URN],
                    propertyDependencies: { s3Destination: [BUCKET_URN] },
                }),
            );
            assert.deepEqual(await messages(viaExport, "findings-bucket-encrypted"), [
                UNENCRYPTED(BUCKET_NAME),
            ]);
            // scratch's policy (its bucket input traced to scratch) names the findings bucket in its statement.
            const otherPolicy = [
                ...without(compliantStack(), "bucket-policy"),
                scratch,
                {
                    ...resource(
                        "aws:s3/bucketPolicy:BucketPolicy",
                        "scratch-policy",
                        { bucket: UNKNOWN_VALUE, policy: keyPolicy([TLS_DENY_STATEMENT]) },
                        { dependsOn: [scratch.urn, BUCKET_URN] },
                    ),
                    propertyDependencies: { bucket: [scratch.urn], policy: [BUCKET_URN] },
                },
            ];
            assert.deepEqual(await messages(otherPolicy, "findings-bucket-tls-only"), [TLS_MESSAGE]);
        });

        it("two unmanaged buckets, or two nameless managed ones, stay two findings buckets", async () => {
            // Catches merging two exports' buckets because both lack a resource, or both lack a name.
            let unmanaged = withInputs(compliantStack(), "publishing-destination", {
                destinationArn: "arn:aws:s3:::external-a",
            });
            unmanaged = withInputs(unmanaged, "macie-export", {
                s3Destination: { bucketName: "external-b", keyPrefix: "macie/", kmsKeyArn: KEY_ARN },
            });
            assert.deepEqual(await messages(unmanaged, "findings-bucket-encrypted"), [
                UNENCRYPTED("external-a"),
                UNENCRYPTED("external-b"),
            ]);
            const second = resource(BUCKET, "bucket-b", { bucket: UNKNOWN_VALUE }, { protect: true });
            let nameless = withInputs([...compliantStack(), second], "bucket", { bucket: UNKNOWN_VALUE });
            nameless = withResource(destinationVia(nameless, [BUCKET_URN]), "macie-export", (r) => ({
                ...r,
                inputs: {
                    s3Destination: { bucketName: UNKNOWN_VALUE, keyPrefix: "macie/", kmsKeyArn: KEY_ARN },
                },
                dependsOn: [second.urn],
            }));
            assert.deepEqual((await messages(nameless, "findings-bucket-encrypted")).sort(), [
                UNENCRYPTED("bucket"),
                UNENCRYPTED("bucket-b"),
            ]);
        });
    });

    describe("findings-bucket-tls-only", () => {
        const P = "findings-bucket-tls-only";

        it("says what the bucket policy lacks", async () => {
            const [d] = await expectPolicies(tls([{ ...TLS_DENY_STATEMENT, Effect: "Allow" }]), [P]);
            assert.equal(said(d), TLS_MESSAGE);
            assert.equal(d.urn, BUCKET_URN);
        });

        it("accepts each spelling IAM accepts: lower-case effect, '*' action, a boolean, FALSE", async () => {
            for (const statement of [
                { ...TLS_DENY_STATEMENT, Effect: "deny" },
                { ...TLS_DENY_STATEMENT, Action: "*" },
                { ...TLS_DENY_STATEMENT, Condition: { Bool: { "aws:SecureTransport": false } } },
                { ...TLS_DENY_STATEMENT, Condition: { Bool: { "aws:SecureTransport": ["FALSE"] } } },
            ]) {
                assert.deepEqual(await messages(tls([statement]), P), [], JSON.stringify(statement));
            }
        });

        it("refuses a deny without a condition value of false, and an unreadable policy", async () => {
            const effectless: Record<string, unknown> = { ...TLS_DENY_STATEMENT };
            delete effectless.Effect;
            for (const stack of [
                tls([{ ...TLS_DENY_STATEMENT, Condition: {} }]),
                tls([{ ...TLS_DENY_STATEMENT, Condition: { Bool: { "aws:SecureTransport": 0 } } }]),
                tls([{ ...TLS_DENY_STATEMENT, Principal: "arn:aws:iam::222222222222:root" }]),
                withInputs(compliantStack(), "bucket-policy", { policy: "{not json" }),
                // No Effect at all: catches effect.toLowerCase() without the optional chain (a crash).
                tls([effectless]),
            ]) {
                assert.deepEqual(await messages(stack, P), [TLS_MESSAGE]);
            }
        });

        it("waits while any part of the statement or the policy is unknown", async () => {
            for (const stack of [
                withInputs(compliantStack(), "bucket-policy", { policy: UNKNOWN_VALUE }),
                // A policy whose bucket is unknown and untraceable may be this bucket's: catches ignoring it.
                withInputs(compliantStack(), "bucket-policy", { bucket: UNKNOWN_VALUE }),
                tls([{ ...TLS_DENY_STATEMENT, Effect: UNKNOWN_VALUE }]),
                tls([{ ...TLS_DENY_STATEMENT, Principal: UNKNOWN_VALUE }]),
                // An unknown principal keeps the answer open even beside a known Allow (today's conservative reading);
                // catches deciding on the Effect before the principal.
                tls([{ ...TLS_DENY_STATEMENT, Effect: "Allow", Principal: UNKNOWN_VALUE }]),
                tls([{ ...TLS_DENY_STATEMENT, Action: UNKNOWN_VALUE }]),
                tls([{ ...TLS_DENY_STATEMENT, Condition: UNKNOWN_VALUE }]),
                tls([
                    { ...TLS_DENY_STATEMENT, Condition: { Bool: { "aws:SecureTransport": UNKNOWN_VALUE } } },
                ]),
                tls([
                    {
                        ...TLS_DENY_STATEMENT,
                        Condition: { Bool: { "aws:SecureTransport": [UNKNOWN_VALUE] } },
                    },
                ]),
            ]) {
                assert.deepEqual(await messages(stack, P), []);
            }
        });

        it("an open statement before or after a deny does not undo it; a refusal after an open one does not close it", async () => {
            const open = { ...TLS_DENY_STATEMENT, Effect: UNKNOWN_VALUE };
            const allow = { ...TLS_DENY_STATEMENT, Effect: "Allow" };
            for (const statements of [
                [TLS_DENY_STATEMENT, open],
                [open, TLS_DENY_STATEMENT],
                [TLS_DENY_STATEMENT, allow],
                [open, allow],
            ]) {
                assert.deepEqual(await messages(tls(statements), P), []);
            }
            // A second policy on the bucket that is unknown leaves the first one's deny standing.
            const second = resource("aws:s3/bucketPolicy:BucketPolicy", "bucket-policy-2", {
                bucket: BUCKET_NAME,
                policy: UNKNOWN_VALUE,
            });
            assert.deepEqual(await messages([...compliantStack(), second], P), []);
            assert.deepEqual(await messages([...tls([allow]), second], P), []);
        });
    });

    describe("findings-bucket-retention", () => {
        const P = "findings-bucket-retention";
        const lifecycle = (rules: unknown) => withInputs(compliantStack(), "bucket-lifecycle", { rules });

        it("names the rule (or 'a rule'), the days and the minimum, pinned to the lifecycle", async () => {
            const found = byPolicy(
                await analyze(
                    lifecycle([
                        { status: "Enabled", expiration: { days: 30 } },
                        {
                            id: "nc",
                            status: "Enabled",
                            noncurrentVersionExpiration: { noncurrentDays: "364" },
                        },
                    ]),
                ),
                P,
            );
            assert.deepEqual(
                found.map((d) => [d.urn, said(d)]),
                [
                    [
                        LIFECYCLE_URN,
                        `Findings bucket ${BUCKET_NAME}: a rule expires findings after 30 days; keep them at least 365.`,
                    ],
                    [
                        LIFECYCLE_URN,
                        `Findings bucket ${BUCKET_NAME}: rule nc expires overwritten or deleted findings after 364 ` +
                            "days; keep them at least 365.",
                    ],
                ],
            );
        });

        it("accepts exactly the minimum, unknown rules and rules that are not objects", async () => {
            for (const rules of [
                [
                    {
                        id: "year",
                        status: "Enabled",
                        expiration: { days: 365 },
                        noncurrentVersionExpiration: { noncurrentDays: 365 },
                    },
                ],
                UNKNOWN_VALUE,
                ["not a rule"],
                [{ id: "later", status: "Enabled", expiration: { days: UNKNOWN_VALUE } }],
                // Catches comparing an unknown noncurrentDays with the minimum (a crash).
                [
                    {
                        id: "later",
                        status: "Enabled",
                        noncurrentVersionExpiration: { noncurrentDays: UNKNOWN_VALUE },
                    },
                ],
            ]) {
                assert.deepEqual(await messages(lifecycle(rules), P), [], JSON.stringify(rules));
            }
        });

        it("refuses a minimum that is not a whole number of days", async () => {
            await assert.rejects(
                withConfig({ [P]: { minRetentionDays: 1.5 } }, async () => undefined),
                /minRetentionDays/,
            );
        });
    });

    describe("data-resources-protected", () => {
        const P = "data-resources-protected";

        it("says why each resource needs protection", async () => {
            const unprotected = ["detector", "key", "bucket"].reduce(
                (stack, name) => withResource(stack, name, (r) => ({ ...r, protect: false })),
                compliantStack(),
            );
            assert.deepEqual((await messages(unprotected, P)).sort(), [
                `Findings bucket ${BUCKET_NAME} is not protected: deleting it loses the findings archive. Set protect: true.`,
                "detector is not protected: deleting a detector disables GuardDuty and deletes its findings. Set protect: true.",
                "key is not protected: deleting the key makes everything it encrypted unreadable. Set protect: true.",
            ]);
        });

        it("refuses a requireProtection that is not a boolean", async () => {
            await assert.rejects(
                withConfig({ [P]: { requireProtection: "yes" } }, async () => undefined),
                /requireProtection/,
            );
        });
    });
});
