import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    EXPORT_PREFIXES,
    ExportingService,
    exportBucketPolicy,
    exportKeyPolicy,
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
    /** Ready once the bucket policy is in place: exporters must wait for it. */
    public readonly ready: pulumi.Resource[];

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
                tags: { Purpose: "security-findings-export" },
            },
            { ...dataOptions, dependsOn: args.keyPolicyDependsOn },
        );
        new aws.kms.Alias(
            `${name}-key-alias`,
            { region, name: `alias/${name}-findings-export`, targetKeyId: key.keyId },
            { parent: this },
        );

        const bucketName = `${args.bucketNamePrefix ?? "security-governance-findings"}-${args.securityAccountId}-${region}`;
        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            {
                region,
                bucket: bucketName,
                forceDestroy: false,
                tags: { Purpose: "security-findings-export" },
            },
            dataOptions,
        );
        const bucketOptions: pulumi.CustomResourceOptions = { parent: this };
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access-block`,
            {
                region,
                bucket: bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            bucketOptions,
        );
        const ownership = new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { region, bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            bucketOptions,
        );
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
                    JSON.stringify(exportBucketPolicy({ ...policyParams, bucketName, keyArn })),
                ),
            },
            // S3 refuses a policy while the public access block is being written.
            { parent: this, dependsOn: [publicAccessBlock, ownership] },
        );

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.keyArn = key.arn;
        this.ready = [policy, encryption, versioning];
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            keyArn: this.keyArn,
            prefixes: EXPORT_PREFIXES,
        });
    }
}
