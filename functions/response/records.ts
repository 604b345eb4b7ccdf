import {
    DeleteObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    type S3Client,
} from "@aws-sdk/client-s3";
import type { Run } from "../shared/run";
import { objectExists, readObject, readObjectIfPresent } from "../shared/s3-objects";

/*
 * What the responder leaves in the findings bucket, under one prefix (default responses/):
 * - decisions/<yyyy-mm-dd>/<finding>/<action>-<verdict>-<event>.json: one record per decision, whatever it was;
 * - done/<account>/<finding>/<action>-<verdict>.json: written once, with If-None-Match "*", for every decision
 *   that did not fail (skipped and notified ones too); its existence makes the finding's later events with the
 *   same verdict repeats, neither acted on nor told again;
 * - blocks/<account>/<region>/<acl>-<rule>-<in|out>.json: a network ACL entry to lift when it expires.
 * Every object is SSE-KMS with the findings key, as the bucket's policy requires.
 */

export interface RecordStore {
    bucket: string;
    /** Ends in "/". */
    prefix: string;
    kmsKeyArn: string;
}

/** S3 answers a conditional write whose key exists with 412, and a concurrent one with 409 (PutObject, IfNoneMatch). */
function isTaken(error: unknown): boolean {
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
        ?.httpStatusCode;
    return status === 412 || status === 409;
}

/** A key part: S3 accepts any UTF-8, but keys stay readable and listable with only these. */
export function keyPart(value: string): string {
    return value.replace(/[^A-Za-z0-9._=-]/g, "_");
}

export async function putRecord(
    s3: S3Client,
    store: RecordStore,
    key: string,
    body: unknown,
    run: Run,
    options: { onlyIfAbsent?: boolean } = {},
): Promise<"written" | "exists"> {
    try {
        await run.call("s3:PutObject", () =>
            s3.send(
                new PutObjectCommand({
                    Bucket: store.bucket,
                    Key: store.prefix + key,
                    Body: JSON.stringify(body, null, 2),
                    ContentType: "application/json",
                    ServerSideEncryption: "aws:kms",
                    SSEKMSKeyId: store.kmsKeyArn,
                    ...(options.onlyIfAbsent === true ? { IfNoneMatch: "*" } : {}),
                }),
            ),
        );
        return "written";
    } catch (error) {
        if (options.onlyIfAbsent === true && isTaken(error)) return "exists";
        throw error;
    }
}

/** Whether `key` exists: by listing, since the role may list only done/ and blocks/ (shared/s3-objects.ts). */
export async function recordExists(
    s3: S3Client,
    store: RecordStore,
    key: string,
    run: Run,
): Promise<boolean> {
    return objectExists(s3, store.bucket, store.prefix + key, run);
}

export async function readRecord(s3: S3Client, store: RecordStore, key: string, run: Run): Promise<unknown> {
    return JSON.parse(await readObject(s3, store.bucket, store.prefix + key, run)) as unknown;
}

/** The record at `key`, or undefined when there is none or it is not JSON (no record can be trusted then). */
export async function readRecordIfPresent(
    s3: S3Client,
    store: RecordStore,
    key: string,
    run: Run,
): Promise<unknown> {
    const text = await readObjectIfPresent(s3, store.bucket, store.prefix + key, run);
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}

export async function deleteRecord(s3: S3Client, store: RecordStore, key: string, run: Run): Promise<void> {
    await run.call("s3:DeleteObject", () =>
        s3.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: store.prefix + key })),
    );
}

/** Every key under `sub` (relative to the store's prefix), all pages. */
export async function listRecords(
    s3: S3Client,
    store: RecordStore,
    sub: string,
    run: Run,
): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
        const page = await run.call("s3:ListObjectsV2", () =>
            s3.send(
                new ListObjectsV2Command({
                    Bucket: store.bucket,
                    Prefix: store.prefix + sub,
                    ContinuationToken: token,
                }),
            ),
        );
        for (const object of page.Contents ?? []) {
            if (object.Key !== undefined) keys.push(object.Key.slice(store.prefix.length));
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
}
