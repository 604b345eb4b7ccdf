import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { Run } from "./run";

/*
 * Reading an object that may not exist yet, under a role that may not list the whole bucket.
 *
 * S3 answers GetObject or HeadObject on a missing key with 404 only to a caller allowed s3:ListBucket on the
 * bucket; to any other caller it answers 403 AccessDenied (GetObject and HeadObject API reference: "If you
 * don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status code 403 Access Denied error").
 * A ListBucket grant narrowed by `s3:prefix` does not count there: a GetObject or HeadObject request carries
 * no prefix. So a function whose role may list only its own prefix (the least it needs) cannot tell "missing"
 * from "denied" by reading. It lists instead: ListObjectsV2 is authorized as s3:ListBucket with the request's
 * Prefix as `s3:prefix` (Service Authorization Reference, Amazon S3), which the narrowed grant allows, and an
 * empty listing is a definite "no such key". Every other failure (access, KMS, the bucket) is thrown.
 */

/** Whether the object `key` exists, by listing it: never by reading it (see above). */
export async function objectExists(s3: S3Client, bucket: string, key: string, run: Run): Promise<boolean> {
    const page = await run.call("s3:ListObjectsV2", () =>
        // Keys are listed in UTF-8 binary order, and `key` sorts before every longer key it prefixes, so the
        // first entry is the key itself when it exists.
        s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 })),
    );
    return page.Contents?.[0]?.Key === key;
}

/** The text of `key`, or undefined when the key does not exist. */
export async function readObjectIfPresent(
    s3: S3Client,
    bucket: string,
    key: string,
    run: Run,
): Promise<string | undefined> {
    if (!(await objectExists(s3, bucket, key, run))) return undefined;
    return readObject(s3, bucket, key, run);
}

/** The text of `key`, which must exist. */
export async function readObject(s3: S3Client, bucket: string, key: string, run: Run): Promise<string> {
    const got = await run.call("s3:GetObject", () =>
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
    );
    return (await got.Body?.transformToString()) ?? "";
}

/**
 * A dated copy's key: one per write, sortable, under a day folder so lifecycle rules and people can find it. The
 * coverage reports and the drill's reports both keep their history this way.
 */
export function datedKey(folder: string, generatedAt: string): string {
    return `${folder}${generatedAt.slice(0, 10).replaceAll("-", "/")}/${generatedAt}.json`;
}
