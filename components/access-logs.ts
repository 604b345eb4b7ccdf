import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketGuards } from "./bucket-guards";
import { accessLogBucketName, accessLogBucketPolicy } from "./policy-documents";

/** The Purpose tag of the access-log bucket. */
export const ACCESS_LOGS_PURPOSE_TAG = "security-access-logs";

export interface AccessLogBucketArgs {
    /** The security account that owns the bucket and every bucket that logs into it. */
    securityAccountId: string;
    /** Home region: server access logs go to a bucket in the source bucket's region. */
    homeRegion: string;
    /** Buckets of the stack that log here (by name, known before `up`), each under a prefix of its own. */
    sources: { bucketName: string; prefix: string }[];
    /** Days a log object (current or noncurrent version) is kept. */
    retentionDays: number;
    /** Protect the bucket from deletion by Pulumi and keep it if removed from the program. */
    protectData: boolean;
}

/**
 * The bucket that receives the S3 server access logs of the stack's own buckets (Security Hub CSPM control S3.9,
 * FSBP). Facts from the S3 user guide, "Enabling Amazon S3 server access logging":
 * - the target bucket must be in the same Region and account as the source, so it lives in the home region of
 *   the security account, like the findings bucket;
 * - default encryption of the target may only be SSE-S3: "Default server-side encryption with AWS Key Management
 *   Service (AWS KMS) keys (SSE-KMS) is not supported", so this bucket does not use the findings key;
 * - the target can't have S3 Object Lock enabled (nor a default retention), so it is never locked, even when the
 *   findings bucket is;
 * - with ACLs disabled (BucketOwnerEnforced) the log delivery must be granted in the bucket policy to
 *   `logging.s3.amazonaws.com` (components/policy-documents.ts, accessLogBucketPolicy);
 * - "Your target bucket should not have server access logging enabled", and logging a bucket to itself is "not
 *   recommended" (an infinite loop of logs): this bucket logs nowhere, and control S3.9 is exempt for it
 *   (test/own-standards.test.ts).
 */
export class AccessLogBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    /** Ready once the policy lets S3 deliver logs: a source's logging must wait for it. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: AccessLogBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:findings:AccessLogBucket", name, {}, opts);
        const region = args.homeRegion;
        const bucketName = accessLogBucketName(args.securityAccountId, region);
        // Access logs are evidence of who read or changed the findings: kept like the findings bucket.
        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            {
                region,
                bucket: bucketName,
                forceDestroy: false,
                tags: { Purpose: ACCESS_LOGS_PURPOSE_TAG },
            },
            { parent: this, protect: args.protectData, retainOnDelete: args.protectData },
        );
        // The guards go with the bucket, as for the findings bucket (stacks/delete-effects.ts).
        const guardOptions: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: args.protectData };
        const { publicAccessBlock, ownership } = bucketGuards(name, region, bucket, guardOptions);
        // SSE-S3: the only default encryption a server access log target may have (see above).
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                region,
                bucket: bucket.id,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
            },
            guardOptions,
        );
        // Versioning keeps a log object someone overwrote or deleted until the lifecycle expires it.
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { region, bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
            guardOptions,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                region,
                bucket: bucket.id,
                rules: [
                    {
                        id: "expire-access-logs",
                        status: "Enabled",
                        filter: {},
                        expiration: { days: args.retentionDays },
                        noncurrentVersionExpiration: { noncurrentDays: args.retentionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            { parent: this, dependsOn: [versioning] },
        );
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                region,
                bucket: bucket.id,
                policy: JSON.stringify(
                    accessLogBucketPolicy({
                        securityAccountId: args.securityAccountId,
                        bucketName,
                        sources: args.sources,
                    }),
                ),
            },
            // S3 refuses a policy while the public access block is being written.
            { ...guardOptions, dependsOn: [publicAccessBlock, ownership] },
        );

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.ready = [policy, encryption, ownership];
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }
}
