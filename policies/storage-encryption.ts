import { StackValidationPolicy } from "@pulumi/policy";
import { BUCKET_TYPES, bucketNameOf, ENCRYPTION_TYPES, LOGGING_TYPES } from "./storage-types";
import {
    PlainObject,
    StackResource,
    UNKNOWN,
    at,
    bool,
    dependenciesOf,
    isObject,
    list,
    stackResources,
    str,
} from "./util";

/* Default encryption of every bucket of the stack: SSE-KMS with a customer-managed key, except a server access log
 * target, which S3 allows SSE-S3 only. */

const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

/**
 * The buckets named as a server access log target by a logging configuration of the stack: by name, or through the
 * engine's dependencies while the name is unknown (preview).
 */
export function accessLogTargets(resources: StackResource[]): StackResource[] {
    const buckets = resources.filter((r) => BUCKET_TYPES.includes(r.type));
    return buckets.filter((bucket) =>
        resources
            .filter((r) => LOGGING_TYPES.includes(r.type))
            .some((logging) => {
                const target = str(at(logging.props, "targetBucket"));
                return (
                    (typeof target === "string" && target === bucketNameOf(bucket)) ||
                    dependenciesOf(logging, "targetBucket").has(bucket.urn)
                );
            }),
    );
}

function checkKmsRules(props: PlainObject, reportViolation: (message: string) => void): void {
    const rules = list(at(props, "rules"));
    if (rules === UNKNOWN) {
        return;
    }
    if (!rules || rules.length === 0) {
        reportViolation("The encryption configuration has no rules.");
        return;
    }
    for (const rule of rules) {
        if (!isObject(rule)) {
            continue;
        }
        const algorithm = str(at(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"));
        if (algorithm === UNKNOWN) {
            continue;
        }
        if (algorithm === undefined || !KMS_ALGORITHMS.includes(algorithm)) {
            reportViolation(`sseAlgorithm is ${algorithm ?? "unset"}; it must be aws:kms or aws:kms:dsse.`);
            continue;
        }
        const key = str(at(rule, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"));
        if (key === undefined || key === "") {
            reportViolation(
                "kmsMasterKeyId is not set, so S3 uses the AWS managed key aws/s3, not a customer-managed key.",
            );
        } else if (key !== UNKNOWN && /(^|:)alias\/aws\/s3$/.test(key)) {
            reportViolation(`kmsMasterKeyId ${key} is the AWS managed key; use a customer-managed key.`);
        }
        // S3 Bucket Keys do not exist for dual-layer (DSSE-KMS) encryption.
        const bucketKey = bool(at(rule, "bucketKeyEnabled"));
        if (algorithm === "aws:kms" && bucketKey !== UNKNOWN && bucketKey !== true) {
            reportViolation(
                "bucketKeyEnabled is not true: every object write calls KMS, at cost and throttling risk.",
            );
        }
    }
}

/**
 * A server access log target may only use SSE-S3: "You can use default bucket encryption on the target bucket only
 * if you use server-side encryption with Amazon S3 managed keys (SSE-S3) [...] Default server-side encryption with
 * AWS Key Management Service (AWS KMS) keys (SSE-KMS) is not supported" (S3 user guide, "Enabling Amazon S3 server
 * access logging"). S3 would deliver no logs to it under a KMS key.
 */
function checkLogTargetRules(props: PlainObject, reportViolation: (message: string) => void): void {
    const rules = list(at(props, "rules"));
    if (rules === UNKNOWN || rules === undefined) return;
    for (const rule of rules) {
        const algorithm = isObject(rule)
            ? str(at(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
            : undefined;
        if (algorithm !== UNKNOWN && algorithm !== "AES256") {
            reportViolation(
                `sseAlgorithm is ${algorithm ?? "unset"}; a server access log target must use AES256 (SSE-S3): S3 ` +
                    "delivers no access logs to a bucket whose default encryption is SSE-KMS.",
            );
        }
    }
}

export const s3BucketSseKmsCmk: StackValidationPolicy = {
    name: "s3-bucket-sse-kms-cmk",
    description:
        "S3 default encryption must be SSE-KMS with a customer-managed key and an S3 Bucket Key; a server access log target SSE-S3.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = stackResources(args, [...ENCRYPTION_TYPES, ...BUCKET_TYPES, ...LOGGING_TYPES]);
        const targets = accessLogTargets(resources);
        for (const encryption of resources.filter((r) => ENCRYPTION_TYPES.includes(r.type))) {
            const report = (message: string) => reportViolation(message, encryption.urn);
            const value = str(at(encryption.props, "bucket"));
            const deps = dependenciesOf(encryption, "bucket");
            const ofTarget = targets.some(
                (t) => deps.has(t.urn) || (typeof value === "string" && value === bucketNameOf(t)),
            );
            if (ofTarget) checkLogTargetRules(encryption.props, report);
            else checkKmsRules(encryption.props, report);
        }
    },
};
