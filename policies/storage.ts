import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { DETECTOR, PUBLISHING_DESTINATION } from "./guardduty";
import { KMS_KEY } from "./kms";
import { CLASSIFICATION_EXPORT } from "./macie";
import {
    PlainObject,
    StackResource,
    Tri,
    UNKNOWN,
    at,
    bool,
    conditionKeys,
    dependenciesOf,
    hasWildcardPrincipal,
    isObject,
    list,
    num,
    oneOrMany,
    readPolicyDocument,
    stackResources,
    statementActions,
    statementEffect,
    str,
    validateTypes,
} from "./util";
import { accessLogTargets, s3BucketSseKmsCmk } from "./storage-encryption";
import {
    BUCKET_POLICY,
    BUCKET_TYPES,
    bucketNameOf,
    ENCRYPTION_TYPES,
    LIFECYCLE_TYPES,
    LOGGING_TYPES,
    PUBLIC_ACCESS_BLOCK,
    VERSIONING_TYPES,
} from "./storage-types";

export {
    BUCKET_POLICY,
    BUCKET_TYPES,
    ENCRYPTION_TYPES,
    LIFECYCLE_TYPES,
    LOGGING_TYPES,
    PUBLIC_ACCESS_BLOCK,
    VERSIONING_TYPES,
    s3BucketSseKmsCmk,
};

export const DEFAULT_MIN_RETENTION_DAYS = 365;

const PUBLIC_ACCESS_FLAGS = [
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
];

export const s3BucketPublicAccessBlock: ResourceValidationPolicy = {
    name: "s3-bucket-public-access-block",
    description: "S3 public access blocks must set all four settings to true.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(PUBLIC_ACCESS_BLOCK, (props, _args, reportViolation) => {
        const off = PUBLIC_ACCESS_FLAGS.filter((flag) => {
            const value = bool(at(props, flag));
            return value !== UNKNOWN && value !== true;
        });
        if (off.length > 0) {
            reportViolation(`Not true: ${off.join(", ")}.`);
        }
    }),
};

export const s3BucketVersioningEnabled: ResourceValidationPolicy = {
    name: "s3-bucket-versioning-enabled",
    description: "S3 bucket versioning must be Enabled.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(VERSIONING_TYPES, (props, _args, reportViolation) => {
        const status = str(at(props, "versioningConfiguration", "status"));
        if (status !== UNKNOWN && status !== "Enabled") {
            reportViolation(`Versioning status is ${status ?? "unset"}; it must be Enabled.`);
        }
    }),
};

// ------------------------------------------------------------------------------------------------
// Findings buckets: the buckets GuardDuty publishing destinations and Macie exports write to.
// ------------------------------------------------------------------------------------------------

export interface FindingsBucket {
    /** The bucket's name, when known. */
    name?: string;
    /** The bucket resource, when the stack manages it. */
    resource?: StackResource;
}

function bucketNameFromArn(arn: string): string | undefined {
    return /^arn:[^:]+:s3:::([^/]+)/.exec(arn)?.[1];
}

/**
 * A bucket referenced by `ref`'s `property`: by name when the name is known, otherwise through the
 * engine's dependencies (which still hold during preview, when the bucket's ARN is not yet known).
 */
function referencedBucket(
    ref: StackResource,
    property: string,
    name: string | undefined,
    buckets: StackResource[],
): FindingsBucket | undefined {
    const byName = name === undefined ? undefined : buckets.find((b) => bucketNameOf(b) === name);
    const deps = dependenciesOf(ref, property);
    const byDeps = buckets.filter((b) => deps.has(b.urn));
    const resource = byName ?? (byDeps.length === 1 ? byDeps[0] : undefined);
    if (name === undefined && resource === undefined) {
        return undefined;
    }
    return { name: name ?? (resource && bucketNameOf(resource)), resource };
}

export const FINDINGS_BUCKET_INPUT_TYPES = [...BUCKET_TYPES, PUBLISHING_DESTINATION, CLASSIFICATION_EXPORT];

/** The findings buckets of the stack, from resources of (at least) `FINDINGS_BUCKET_INPUT_TYPES`. */
export function findingsBuckets(resources: StackResource[]): FindingsBucket[] {
    const buckets = resources.filter((r) => BUCKET_TYPES.includes(r.type));
    const found: FindingsBucket[] = [];
    for (const r of resources) {
        let fb: FindingsBucket | undefined;
        if (r.type === PUBLISHING_DESTINATION) {
            const arn = str(at(r.props, "destinationArn"));
            fb = referencedBucket(
                r,
                "destinationArn",
                typeof arn === "string" ? bucketNameFromArn(arn) : undefined,
                buckets,
            );
        } else if (r.type === CLASSIFICATION_EXPORT) {
            const name = str(at(r.props, "s3Destination", "bucketName"));
            fb = referencedBucket(r, "s3Destination", typeof name === "string" ? name : undefined, buckets);
        }
        if (!fb) {
            continue;
        }
        const same = found.find(
            (f) =>
                (fb.resource !== undefined && f.resource === fb.resource) ||
                (fb.name !== undefined && f.name === fb.name),
        );
        if (same) {
            same.name ??= fb.name;
            same.resource ??= fb.resource;
        } else {
            found.push(fb);
        }
    }
    return found;
}

/** Whether a bucket sub-resource (encryption, versioning, policy...) configures the findings bucket. */
function configures(sub: StackResource, fb: FindingsBucket): Tri {
    const value = str(at(sub.props, "bucket"));
    const deps = dependenciesOf(sub, "bucket");
    if (fb.resource && deps.has(fb.resource.urn)) {
        return "yes";
    }
    if (typeof value === "string") {
        // A bucket known only by its resource (fb.name undefined) is never named by a string.
        return value === fb.name ? "yes" : "no";
    }
    // Without a name to compare or a dependency to follow, only an unknown value leaves it open.
    return value === UNKNOWN && deps.size === 0 ? "maybe" : "no";
}

export function describeBucket(fb: FindingsBucket): string {
    return fb.name !== undefined
        ? `Findings bucket ${fb.name}`
        : `Findings bucket ${fb.resource?.name ?? "?"}`;
}

export function subResourceLinks(
    resources: StackResource[],
    types: readonly string[],
    fb: FindingsBucket,
): { yes: StackResource[]; maybe: boolean } {
    const subs = resources.filter((r) => types.includes(r.type));
    const answers = subs.map((s) => ({ s, answer: configures(s, fb) }));
    return {
        yes: answers.filter((a) => a.answer === "yes").map((a) => a.s),
        maybe: answers.some((a) => a.answer === "maybe"),
    };
}

function presencePolicy(
    name: string,
    description: string,
    types: readonly string[],
    missing: string,
): StackValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        validateStack: (args, reportViolation) => {
            const resources = stackResources(args, [...FINDINGS_BUCKET_INPUT_TYPES, ...types]);
            for (const fb of findingsBuckets(resources)) {
                const links = subResourceLinks(resources, types, fb);
                if (links.yes.length === 0 && !links.maybe) {
                    reportViolation(`${describeBucket(fb)} has no ${missing}.`, fb.resource?.urn);
                }
            }
        },
    };
}

export const findingsBucketEncrypted = presencePolicy(
    "findings-bucket-encrypted",
    "Buckets receiving GuardDuty or Macie findings must have a default encryption configuration (SSE-KMS).",
    ENCRYPTION_TYPES,
    "BucketServerSideEncryptionConfiguration: without one S3 encrypts with SSE-S3, not a customer-managed KMS key",
);

export const findingsBucketPublicAccessBlocked = presencePolicy(
    "findings-bucket-public-access-blocked",
    "Buckets receiving GuardDuty or Macie findings must have a public access block.",
    [PUBLIC_ACCESS_BLOCK],
    "BucketPublicAccessBlock",
);

export const findingsBucketAccessLogged = presencePolicy(
    "findings-bucket-access-logged",
    "Buckets receiving GuardDuty or Macie findings must log server access (Security Hub CSPM control S3.9).",
    LOGGING_TYPES,
    "BucketLogging: without server access logs no one can tell who read, overwrote or deleted findings",
);

export const findingsBucketVersioned = presencePolicy(
    "findings-bucket-versioned",
    "Buckets receiving GuardDuty or Macie findings must have versioning configured.",
    VERSIONING_TYPES,
    "BucketVersioning configuration",
);

/**
 * Whether the statement may deny every request not made over TLS: true when it does, and while a part of it
 * is unknown. Only "no statement can" is reported, so "it does" and "it may" are one answer.
 */
function mayDenyInsecureTransport(statement: PlainObject): boolean {
    const effect = statementEffect(statement);
    const principal = hasWildcardPrincipal(statement);
    const actions = statementActions(statement);
    const conditions = conditionKeys(statement);
    if (effect === UNKNOWN || principal === "maybe" || actions === UNKNOWN || conditions === UNKNOWN) {
        return true;
    }
    if (effect?.toLowerCase() !== "deny" || principal === "no") {
        return false;
    }
    if (!actions.includes("s3:*") && !actions.includes("*")) {
        return false;
    }
    // Any other condition key narrows the deny to some principals, sources or objects (aws:PrincipalArn, a
    // prefix...): that is not "every request not made over TLS".
    if ([...conditions.keys()].some((key) => key !== "aws:securetransport")) {
        return false;
    }
    const secureTransport = oneOrMany(conditions.get("aws:securetransport"));
    if (secureTransport === UNKNOWN || secureTransport.some((v) => v === UNKNOWN)) {
        return true;
    }
    return secureTransport.some((v) => v === false || (typeof v === "string" && v.toLowerCase() === "false"));
}

export const findingsBucketTlsOnly: StackValidationPolicy = {
    name: "findings-bucket-tls-only",
    description: "Buckets receiving GuardDuty or Macie findings must deny every request not made over TLS.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = stackResources(args, [...FINDINGS_BUCKET_INPUT_TYPES, BUCKET_POLICY]);
        for (const fb of findingsBuckets(resources)) {
            const links = subResourceLinks(resources, [BUCKET_POLICY], fb);
            // One link or policy still unknown, or one statement that may deny, keeps the bucket from being reported.
            const mayDeny =
                links.maybe ||
                links.yes.some((policy) => {
                    const document = readPolicyDocument(at(policy.props, "policy"));
                    return (
                        document.kind === "unknown" ||
                        (document.kind === "document" && document.statements.some(mayDenyInsecureTransport))
                    );
                });
            if (!mayDeny) {
                reportViolation(
                    `${describeBucket(fb)} has no bucket policy statement denying "s3:*" to "*" when ` +
                        `aws:SecureTransport is "false".`,
                    fb.resource?.urn,
                );
            }
        }
    },
};

export const findingsBucketRetention: StackValidationPolicy = {
    name: "findings-bucket-retention",
    description:
        "Lifecycle rules of buckets receiving findings must keep objects at least the configured number of days.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minRetentionDays: {
                type: "integer",
                minimum: 1,
                default: DEFAULT_MIN_RETENTION_DAYS,
                description: "Fewest days a finding (current or noncurrent version) may be kept.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const { minRetentionDays = DEFAULT_MIN_RETENTION_DAYS } = args.getConfig<{
            minRetentionDays?: number;
        }>();
        const resources = stackResources(args, [...FINDINGS_BUCKET_INPUT_TYPES, ...LIFECYCLE_TYPES]);
        for (const fb of findingsBuckets(resources)) {
            for (const lifecycle of subResourceLinks(resources, LIFECYCLE_TYPES, fb).yes) {
                const rules = list(at(lifecycle.props, "rules"));
                for (const rule of rules === UNKNOWN ? [] : (rules ?? [])) {
                    if (!isObject(rule) || str(at(rule, "status")) === "Disabled") {
                        continue;
                    }
                    const id = str(at(rule, "id"));
                    const label = typeof id === "string" ? `rule ${id}` : "a rule";
                    const current = num(at(rule, "expiration", "days"));
                    if (typeof current === "number" && current < minRetentionDays) {
                        reportViolation(
                            `${describeBucket(fb)}: ${label} expires findings after ${current} days; keep them at ` +
                                `least ${minRetentionDays}.`,
                            lifecycle.urn,
                        );
                    }
                    const noncurrent = num(at(rule, "noncurrentVersionExpiration", "noncurrentDays"));
                    if (typeof noncurrent === "number" && noncurrent < minRetentionDays) {
                        reportViolation(
                            `${describeBucket(fb)}: ${label} expires overwritten or deleted findings after ` +
                                `${noncurrent} days; keep them at least ${minRetentionDays}.`,
                            lifecycle.urn,
                        );
                    }
                }
            }
        }
    },
};

export const dataResourcesProtected: StackValidationPolicy = {
    name: "data-resources-protected",
    description:
        "GuardDuty detectors, findings buckets, buckets that receive server access logs and KMS keys must be protected from deletion (protect: true).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requireProtection: {
                type: "boolean",
                default: true,
                description: "Set false to skip the check, e.g. in a throw-away sandbox.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const { requireProtection = true } = args.getConfig<{ requireProtection?: boolean }>();
        if (!requireProtection) {
            return;
        }
        const resources = stackResources(args, [
            ...FINDINGS_BUCKET_INPUT_TYPES,
            ...LOGGING_TYPES,
            DETECTOR,
            KMS_KEY,
        ]);
        const why: Record<string, string> = {
            [DETECTOR]: "deleting a detector disables GuardDuty and deletes its findings",
            [KMS_KEY]: "deleting the key makes everything it encrypted unreadable",
        };
        for (const r of resources) {
            const reason = why[r.type];
            if (reason && !r.protect) {
                reportViolation(`${r.name} is not protected: ${reason}. Set protect: true.`, r.urn);
            }
        }
        for (const fb of findingsBuckets(resources)) {
            if (fb.resource && !fb.resource.protect) {
                reportViolation(
                    `${describeBucket(fb)} is not protected: deleting it loses the findings archive. Set protect: true.`,
                    fb.resource.urn,
                );
            }
        }
        for (const target of accessLogTargets(resources).filter((bucket) => !bucket.protect)) {
            reportViolation(
                `${target.name} is not protected: deleting it loses the record of who read or removed the findings. Set protect: true.`,
                target.urn,
            );
        }
    },
};

export const storagePolicies = [
    s3BucketSseKmsCmk,
    s3BucketPublicAccessBlock,
    s3BucketVersioningEnabled,
    findingsBucketEncrypted,
    findingsBucketPublicAccessBlocked,
    findingsBucketVersioned,
    findingsBucketAccessLogged,
    findingsBucketTlsOnly,
    findingsBucketRetention,
    dataResourcesProtected,
];
