import type { PlanDocument, PlannedResource } from "../../tools/plan-runtime";
import {
    type Control,
    type Statement,
    type Verdict,
    context,
    covers,
    isEveryone,
    many,
    publicAllows,
    sample,
    statements,
    subResourcesOf,
} from "./own-standards-checks";

/* The S3 controls of the own-standards table (own-standards.ts): sources there. */

const BUCKET = "aws:s3/bucket:Bucket";
const LONE_BUCKET = sample(BUCKET, "lone", { bucket: "lone-bucket" });
const aloneWith = (...subs: PlannedResource[]) => ({
    resource: LONE_BUCKET,
    plan: context([LONE_BUCKET, ...subs]),
});

const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const BPA_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/** Bucket-level Block Public Access with all four settings on. */
function blocksPublicAccess(bucket: PlannedResource, planned: PlanDocument): Verdict {
    const blocks = subResourcesOf(planned, [PAB], bucket);
    if (blocks.length !== 1) return `${blocks.length} public access blocks`;
    const off = BPA_FLAGS.filter((flag) => blocks[0].inputs[flag] !== true);
    return off.length === 0 ? true : `not on: ${off.join(", ")}`;
}

function bucketPolicies(bucket: PlannedResource, planned: PlanDocument): Statement[] {
    return subResourcesOf(planned, [POLICY], bucket).flatMap((p) => statements(p.inputs.policy));
}

export const S3_CONTROLS: Control[] = [
    {
        id: "S3.2",
        title: "S3 general purpose buckets should block public read access",
        standards: ["FSBP v1.0.0"],
        rule: "s3-bucket-public-read-prohibited: public read through bucket BPA settings, bucket policy or ACL",
        types: [BUCKET],
        check: (bucket, planned) => {
            const bpa = blocksPublicAccess(bucket, planned);
            if (bpa !== true) return bpa;
            return publicAllows(JSON.stringify({ Statement: bucketPolicies(bucket, planned) })).length === 0
                ? true
                : "the bucket policy allows everyone";
        },
        failing: () => aloneWith(),
    },
    {
        id: "S3.3",
        title: "S3 general purpose buckets should block public write access",
        standards: ["FSBP v1.0.0"],
        rule: "s3-bucket-public-write-prohibited: public write through bucket BPA settings, bucket policy or ACL",
        types: [BUCKET],
        check: (bucket, planned) => blocksPublicAccess(bucket, planned),
        failing: () =>
            aloneWith(
                sample(PAB, "half", {
                    bucket: "lone-bucket",
                    blockPublicAcls: true,
                    blockPublicPolicy: false,
                }),
            ),
    },
    {
        id: "S3.5",
        title: "S3 general purpose buckets should require requests to use SSL",
        standards: ["FSBP v1.0.0", "CIS v3.0.0"],
        rule: "s3-bucket-ssl-requests-only: the bucket policy denies requests whose aws:SecureTransport is false",
        types: [BUCKET],
        check: (bucket, planned) => {
            const arn = `arn:aws:s3:::${String(bucket.inputs.bucket)}`;
            const denies = bucketPolicies(bucket, planned).some(
                (s) =>
                    s.Effect === "Deny" &&
                    isEveryone(s.Principal) &&
                    covers(many(s.Action), "s3:GetObject") &&
                    covers(many(s.Action), "s3:PutObject") &&
                    many(s.Resource).includes(arn) &&
                    many(s.Resource).includes(`${arn}/*`) &&
                    String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false",
            );
            return denies ? true : "no statement denies requests not made over TLS";
        },
        failing: () =>
            aloneWith(
                sample(POLICY, "no-tls", {
                    bucket: "lone-bucket",
                    policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "x" } }] }),
                }),
            ),
    },
    {
        id: "S3.6",
        title: "S3 general purpose bucket policies should restrict access to other AWS accounts",
        standards: ["FSBP v1.0.0"],
        rule:
            "s3-bucket-blacklisted-actions-prohibited, blacklistedActionPatterns: s3:DeleteBucketPolicy, " +
            "s3:PutBucketAcl, s3:PutBucketPolicy, s3:PutEncryptionConfiguration, s3:PutObjectAcl",
        types: [BUCKET],
        check: (bucket, planned) => {
            const blacklisted = [
                "s3:DeleteBucketPolicy",
                "s3:PutBucketAcl",
                "s3:PutBucketPolicy",
                "s3:PutEncryptionConfiguration",
                "s3:PutObjectAcl",
            ];
            const own = planned.accounts.securityAdmin;
            const granted = bucketPolicies(bucket, planned).filter((s) => {
                if (s.Effect !== "Allow") return false;
                const principal = s.Principal;
                const aws =
                    principal === "*"
                        ? ["*"]
                        : many((principal as { AWS?: string | string[] } | undefined)?.AWS);
                const others = aws.filter((p) => p === "*" || !p.includes(own));
                return others.length > 0 && blacklisted.some((a) => covers(many(s.Action), a));
            });
            return granted.length === 0
                ? true
                : "another account may change the bucket's policy, ACL or encryption";
        },
        failing: () =>
            aloneWith(
                sample(POLICY, "other-account", {
                    bucket: "lone-bucket",
                    policy: JSON.stringify({
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { AWS: "arn:aws:iam::999999999999:root" },
                                Action: "s3:*",
                            },
                        ],
                    }),
                }),
            ),
    },
    {
        id: "S3.8",
        title: "S3 general purpose buckets should block public access",
        standards: ["FSBP v1.0.0", "CIS v3.0.0"],
        rule: "s3-bucket-level-public-access-prohibited: all four bucket-level Block Public Access settings on",
        types: [BUCKET],
        check: blocksPublicAccess,
        failing: () => aloneWith(),
    },
    {
        id: "S3.9",
        title: "S3 general purpose buckets should have server access logging enabled",
        standards: ["FSBP v1.0.0"],
        rule: "s3-bucket-logging-enabled (no parameters): server access logging on, to any target bucket",
        types: [BUCKET],
        check: (bucket, planned) => {
            const logging = subResourcesOf(
                planned,
                ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"],
                bucket,
            );
            if (logging.length !== 1) return `${logging.length} server access logging configurations`;
            const target = logging[0].inputs.targetBucket;
            if (typeof target !== "string" || target === "") return "no target bucket";
            // The target must be a bucket of the same account and region (S3 user guide): here, one the stack plans.
            const planned_ = ofTypeIn(planned, BUCKET).find((b) => b.inputs.bucket === target);
            if (planned_ === undefined) return `target ${target} is not a bucket of the stack`;
            return planned_.inputs.region === bucket.inputs.region ? true : "target in another region";
        },
        failing: () => aloneWith(),
    },
    {
        id: "S3.12",
        title: "ACLs should not be used to manage user access to S3 general purpose buckets",
        standards: ["FSBP v1.0.0"],
        rule: "s3-bucket-acl-prohibited: no ACL grants user access; ACLs disabled by Object Ownership BucketOwnerEnforced",
        types: [BUCKET],
        check: (bucket, planned) => {
            const ownership = subResourcesOf(
                planned,
                ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
                bucket,
            );
            const acls = subResourcesOf(
                planned,
                ["aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketAcl:BucketAcl"],
                bucket,
            );
            const enforced = ownership.some(
                (o) =>
                    (o.inputs.rule as { objectOwnership?: string } | undefined)?.objectOwnership ===
                    "BucketOwnerEnforced",
            );
            return enforced && acls.length === 0 ? true : "ACLs are not disabled";
        },
        failing: () => aloneWith(),
    },
    {
        id: "S3.13",
        title: "S3 general purpose buckets should have Lifecycle configurations",
        standards: ["FSBP v1.0.0"],
        rule: "s3-lifecycle-policy-check (optional parameters unset): at least one enabled lifecycle rule",
        types: [BUCKET],
        check: (bucket, planned) => {
            const rules = subResourcesOf(
                planned,
                ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"],
                bucket,
            ).flatMap((l) => (l.inputs.rules as { status?: string }[] | undefined) ?? []);
            return rules.some((r) => r.status === "Enabled") ? true : "no enabled lifecycle rule";
        },
        failing: () => aloneWith(),
    },
    {
        id: "S3.20",
        title: "S3 general purpose buckets should have MFA delete enabled",
        standards: ["CIS v3.0.0"],
        rule: "s3-bucket-mfa-delete-enabled: versioning with MFA delete Enabled",
        types: [BUCKET],
        check: (bucket, planned) => {
            const versioning = subResourcesOf(planned, ["aws:s3/bucketVersioning:BucketVersioning"], bucket);
            const on = versioning.some(
                (v) =>
                    (v.inputs.versioningConfiguration as { mfaDelete?: string } | undefined)?.mfaDelete ===
                    "Enabled",
            );
            return on ? true : "MFA delete is not enabled";
        },
        failing: () => aloneWith(),
    },
];

function ofTypeIn(planned: PlanDocument, type: string): PlannedResource[] {
    return planned.resources.filter((r) => r.type === type);
}
