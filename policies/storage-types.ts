import { at, str, type StackResource } from "./util";

/* The resource types the storage policies read (storage.ts, storage-encryption.ts). */

// The V2 tokens are the deprecated aliases @pulumi/aws v7 still ships; a stack may use either.
export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const ENCRYPTION_TYPES = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
export const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const VERSIONING_TYPES = [
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
];
export const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const LOGGING_TYPES = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"];
export const LIFECYCLE_TYPES = [
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
];

export function bucketNameOf(bucket: StackResource): string | undefined {
    const name = str(at(bucket.props, "bucket"));
    return typeof name === "string" && name !== "" ? name : undefined;
}
