import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketGuards } from "./bucket-guards";
import { AccessLogBucket } from "./access-logs";
import { PROTECTED_NAMES } from "./guardrail-documents";
import {
    EXPORT_PREFIXES,
    ExportingService,
    exportBucketPolicy,
    exportKeyPolicy,
    findingsBucketName,
    findingsPrefix,
} from "./policy-documents";

export interface FindingsExportArgs {
    /** The security (delegated administrator) account that owns the bucket and key. */
    securityAccountId: string;
    /** Home region: the one bucket and key live here and receive every governed region's findings. */
    homeRegion: string;
    /** Governed regions whose services may export into the bucket. */
    regions: string[];
    /** Services granted export access. Default: GuardDuty only. */
    services?: ExportingService[];
    /** Days objects are kept (current and noncurrent versions). */
    retentionDays: number;
    /** Days after which objects move to Glacier Flexible Retrieval. */
    archiveAfterDays: number;
    /** Days the server access logs of the bucket are kept (current and noncurrent versions). */
    accessLogRetentionDays: number;
    /** Waiting period before the key can be deleted, 7-30 days. */
    kmsDeletionWindowDays: number;
    /** Protect the bucket and key from deletion by Pulumi (and keep them if removed from the program). */
    protectData: boolean;
    /**
     * Resources that must exist before the key policy is written: the key policy names GuardDuty's
     * service-linked role, which KMS refuses until GuardDuty is enabled in the security account.
     */
    keyPolicyDependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Name prefix of the bucket. Default "security-governance-findings". */
    bucketNamePrefix?: string;
    /** S3 Object Lock default retention for every new object version. Default: none. */
    objectLock?: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
    /** A prefix only one role may write or delete under (the responder's records). Default: none. */
    records?: { prefix: string; writerArn: string };
}

/**
 * One KMS-encrypted S3 bucket in the home region that receives findings from every governed region
 * (aws-gotchas 7): a customer-managed key with rotation, a bucket locked down to the exporting
 * services, versioned, never public, owner-enforced, with an archive-then-expire lifecycle.
 */
export class FindingsExport extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    public readonly keyArn: pulumi.Output<string>;
    /** The bucket receiving the findings bucket's server access logs. */
    public readonly accessLogBucketName: pulumi.Output<string>;
    /** Ready once the bucket policy is in place: exporters must wait for it. */
    public readonly ready: pulumi.Resource[];
    /**
     * Whether new object versions are locked. Objects the stack writes (the lists, the folder object) are then
     * kept when the stack lets go of them: the provider deletes every version of an object in a versioned
     * bucket (terraform-provider-aws, internal/service/s3/object.go, resourceObjectDelete), which S3 refuses
     * for a locked version, and the update would fail halfway.
     */
    public readonly objectLocked: boolean;
    /** The bucket and key are protected and kept on delete: what writes to them is kept with them. */
    public readonly protectsData: boolean;

    constructor(name: string, args: FindingsExportArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:findings:FindingsExport", name, {}, opts);
        const services = args.services ?? ["guardduty"];
        const region = args.homeRegion;
        const dataOptions: pulumi.CustomResourceOptions = {
            parent: this,
            protect: args.protectData,
            retainOnDelete: args.protectData,
        };
        const policyParams = { securityAccountId: args.securityAccountId, regions: args.regions, services };

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                region,
                description: "Encrypts GuardDuty and Macie findings exported to the findings bucket",
                enableKeyRotation: true,
                deletionWindowInDays: args.kmsDeletionWindowDays,
                policy: JSON.stringify(exportKeyPolicy(policyParams)),
                tags: { Purpose: PROTECTED_NAMES.findingsPurposeTag },
            },
            { ...dataOptions, dependsOn: args.keyPolicyDependsOn },
        );
        new aws.kms.Alias(
            `${name}-key-alias`,
            { region, name: `alias/${name}-findings-export`, targetKeyId: key.keyId },
            { parent: this },
        );

        const bucketName = findingsBucketName(args.securityAccountId, region, args.bucketNamePrefix);
        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            {
                region,
                bucket: bucketName,
                forceDestroy: false,
                tags: { Purpose: PROTECTED_NAMES.findingsPurposeTag },
            },
            dataOptions,
        );
        // The bucket's guards go with the bucket: a kept bucket without its policy, encryption default or public
        // access block would take exports unguarded, or refuse them (stacks/delete-effects.ts).
        const bucketOptions: pulumi.CustomResourceOptions = {
            parent: this,
            retainOnDelete: args.protectData,
        };
        const { publicAccessBlock, ownership } = bucketGuards(name, region, bucket, bucketOptions);
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                region,
                bucket: bucket.id,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: {
                            sseAlgorithm: "aws:kms",
                            kmsMasterKeyId: key.arn,
                        },
                        bucketKeyEnabled: true,
                    },
                ],
            },
            bucketOptions,
        );
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { region, bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
            bucketOptions,
        );
        // Expiry and archival reach only what the services wrote (`<prefix>/AWSLogs/...`), never the IP list
        // files or the folder objects GuardDuty reads: once those expire, re-activating a list, adding a
        // region or updating a destination fails. Objects under 128 KB are deliberately not archived, and
        // said so explicitly rather than by S3's default: Glacier Flexible Retrieval bills about 40 KB of
        // metadata per object (S3 user guide, "Transitioning objects using Amazon S3 Lifecycle"), so a small
        // finding file costs more archived than kept in S3 Standard until it expires.
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                region,
                bucket: bucket.id,
                transitionDefaultMinimumObjectSize: "all_storage_classes_128K",
                rules: services.map((service) => ({
                    id: `archive-then-expire-${service}-findings`,
                    status: "Enabled",
                    filter: { prefix: findingsPrefix(service) },
                    transitions: [{ days: args.archiveAfterDays, storageClass: "GLACIER" }],
                    expiration: { days: args.retentionDays },
                    noncurrentVersionTransitions: [
                        { noncurrentDays: args.archiveAfterDays, storageClass: "GLACIER" },
                    ],
                    noncurrentVersionExpiration: { noncurrentDays: args.retentionDays },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                })),
            },
            { parent: this, dependsOn: [versioning] },
        );
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                region,
                bucket: bucket.id,
                policy: key.arn.apply((keyArn) =>
                    JSON.stringify(
                        exportBucketPolicy({ ...policyParams, bucketName, keyArn, records: args.records }),
                    ),
                ),
            },
            // S3 refuses a policy while the public access block is being written.
            { ...bucketOptions, dependsOn: [publicAccessBlock, ownership] },
        );

        // Object Lock on a versioned bucket, new or existing: PutObjectLockConfiguration "can enable Object Lock
        // for new or existing buckets" (@aws-sdk/client-s3, PutObjectLockConfigurationCommand), never on the
        // bucket resource, whose objectLockEnabled replaces the bucket when changed (upstream ForceNew). Once on,
        // it cannot be turned off, nor versioning suspended (S3 user guide, object-lock-managing.html). The default
        // retention locks new versions only; the lifecycle still expires current versions (a delete marker)
        // and deletes noncurrent ones once their lock has ended, which the config keeps within retentionDays.
        // Removing this resource removes the default retention, so it is always retained.
        const locked = [];
        if (args.objectLock !== undefined) {
            locked.push(
                new aws.s3.BucketObjectLockConfiguration(
                    `${name}-object-lock`,
                    {
                        region,
                        bucket: bucket.id,
                        objectLockEnabled: "Enabled",
                        rule: {
                            defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days },
                        },
                    },
                    {
                        parent: this,
                        dependsOn: [versioning],
                        protect: args.protectData,
                        retainOnDelete: true,
                    },
                ),
            );
        }

        // Server access logs of the findings bucket (Security Hub CSPM control S3.9): who read, wrote or deleted
        // findings. They go to a bucket of their own, as S3 requires of a target in the same account and Region
        // that has neither SSE-KMS default encryption nor Object Lock (components/access-logs.ts).
        const logPrefix = `${bucketName}/`;
        const accessLogs = new AccessLogBucket(
            `${name}-access-logs`,
            {
                securityAccountId: args.securityAccountId,
                homeRegion: region,
                sources: [{ bucketName, prefix: logPrefix }],
                retentionDays: args.accessLogRetentionDays,
                protectData: args.protectData,
            },
            { parent: this },
        );
        // Kept with the bucket, like its other guards: a kept bucket would otherwise stop being logged.
        new aws.s3.BucketLogging(
            `${name}-logging`,
            { region, bucket: bucket.id, targetBucket: accessLogs.bucketName, targetPrefix: logPrefix },
            { ...bucketOptions, dependsOn: accessLogs.ready },
        );

        this.objectLocked = args.objectLock !== undefined;
        this.protectsData = args.protectData;
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.keyArn = key.arn;
        this.ready = [policy, encryption, versioning, ...locked];
        this.accessLogBucketName = accessLogs.bucketName;
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            keyArn: this.keyArn,
            accessLogBucketName: this.accessLogBucketName,
            prefixes: EXPORT_PREFIXES,
        });
    }
}
