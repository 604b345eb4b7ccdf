import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * What every bucket of the stack has: all four Block Public Access settings on (Security Hub controls S3.2, S3.3
 * and S3.8) and ACLs disabled by BucketOwnerEnforced (S3.12), so the bucket policy alone says who may read or
 * write. `options` carries the bucket's parent and keeping: the guards go with the bucket (stacks/delete-effects.ts).
 */
export function bucketGuards(
    name: string,
    region: string,
    bucket: aws.s3.Bucket,
    options: pulumi.CustomResourceOptions,
): { publicAccessBlock: aws.s3.BucketPublicAccessBlock; ownership: aws.s3.BucketOwnershipControls } {
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
        options,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
        `${name}-ownership`,
        { region, bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        options,
    );
    return { publicAccessBlock, ownership };
}
