import { PARTITION, servicePrincipals } from "../stacks/regions";

/**
 * Resource policies of the findings export, as pure functions of their parameters so that the exact
 * documents the program deploys can be proven by IAM simulation in tests.
 */

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal: "*" | { AWS?: string | string[]; Service?: string | string[] };
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** An identity policy (a role's own permissions): its statements name no principal. */
export interface IdentityPolicyDocument {
    Version: "2012-10-17";
    Statement: Omit<PolicyStatement, "Principal">[];
}

/** A role's trust policy: its statements name who may assume the role, and no resource. */
export interface TrustPolicyDocument {
    Version: "2012-10-17";
    Statement: Omit<PolicyStatement, "Resource">[];
}

/** Services that export findings into the bucket, each under a prefix of its own. */
export type ExportingService = "guardduty" | "macie";

export const EXPORT_PREFIXES: Record<ExportingService, string> = {
    guardduty: "guardduty",
    macie: "macie",
};

/**
 * Where a service's findings land: both GuardDuty and Macie write `<prefix>/AWSLogs/<account>/<Service>/
 * <region>/...` under the prefix they are given, so the folder object `<prefix>/` itself lies outside it.
 */
export function findingsPrefix(service: ExportingService): string {
    return `${EXPORT_PREFIXES[service]}/AWSLogs/`;
}

/** The findings bucket's name: one per security account and home region, so it is known before `up`. */
export function findingsBucketName(
    securityAccountId: string,
    homeRegion: string,
    prefix = "security-governance-findings",
): string {
    return `${prefix}-${securityAccountId}-${homeRegion}`;
}

/** Where GuardDuty reads trusted IP and threat lists from; written by the deployer, never by a service. */
export const IP_LIST_PREFIX = "guardduty-lists";

export interface ExportPolicyParams {
    /** The security (delegated administrator) account, the only account whose services may export. */
    securityAccountId: string;
    /** Governed regions: each service may export from these regions only. */
    regions: readonly string[];
    /** Services allowed to export. */
    services: readonly ExportingService[];
}

function sourceArns(service: ExportingService, params: ExportPolicyParams): string[] {
    const account = params.securityAccountId;
    return params.regions.flatMap((region) =>
        service === "guardduty"
            ? [`arn:${PARTITION}:guardduty:${region}:${account}:detector/*`]
            : [
                  `arn:${PARTITION}:macie2:${region}:${account}:export-configuration:*`,
                  `arn:${PARTITION}:macie2:${region}:${account}:classification-job/*`,
              ],
    );
}

/** Condition that defeats the confused deputy: the service acts for our security account only. */
function confusedDeputyCondition(service: ExportingService, params: ExportPolicyParams) {
    return {
        StringEquals: { "aws:SourceAccount": params.securityAccountId },
        ArnLike: { "aws:SourceArn": sourceArns(service, params) },
    };
}

function principalsOf(service: ExportingService, regions: readonly string[]): string[] {
    return servicePrincipals(service === "guardduty" ? "guardduty" : "macie", regions);
}

export function guardDutyServiceRoleArn(accountId: string): string {
    return `arn:${PARTITION}:iam::${accountId}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`;
}

/**
 * The export key's policy. Baseline (seed 004): the account administers the key and GuardDuty may
 * GenerateDataKey. Beyond it: every service grant is scoped by aws:SourceAccount and aws:SourceArn,
 * regional principals of opt-in regions are named, Macie gets only what it needs, and GuardDuty's
 * service-linked role may decrypt the trusted/threat lists stored in the same bucket.
 */
export function exportKeyPolicy(params: ExportPolicyParams): PolicyDocument {
    const statements: PolicyStatement[] = [
        {
            Sid: "AdministerFromSecurityAccount",
            Effect: "Allow",
            Principal: { AWS: `arn:${PARTITION}:iam::${params.securityAccountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
    ];
    if (params.services.includes("guardduty")) {
        statements.push(
            {
                Sid: "GuardDutyEncryptsFindings",
                Effect: "Allow",
                Principal: { Service: principalsOf("guardduty", params.regions) },
                Action: "kms:GenerateDataKey",
                Resource: "*",
                Condition: confusedDeputyCondition("guardduty", params),
            },
            {
                Sid: "GuardDutyReadsIpLists",
                Effect: "Allow",
                Principal: { AWS: guardDutyServiceRoleArn(params.securityAccountId) },
                Action: "kms:Decrypt",
                Resource: "*",
            },
        );
    }
    if (params.services.includes("macie")) {
        statements.push({
            Sid: "MacieEncryptsFindings",
            Effect: "Allow",
            Principal: { Service: principalsOf("macie", params.regions) },
            Action: ["kms:GenerateDataKey", "kms:Encrypt"],
            Resource: "*",
            Condition: confusedDeputyCondition("macie", params),
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

export interface BucketPolicyParams extends ExportPolicyParams {
    bucketName: string;
    keyArn: string;
    /** A prefix only one role may write or delete under: the responder's records. */
    records?: { prefix: string; writerArn: string };
}

/**
 * The S3 actions that write, change or remove an object or one of its versions (Service Authorization
 * Reference, Amazon S3, actions on the object resource type): PutObject covers CopyObject's destination and
 * multipart uploads (S3 API reference, CopyObject; "Multipart upload API and permissions").
 */
export const OBJECT_WRITE_ACTIONS = [
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersionTagging",
    "s3:RestoreObject",
] as const;

/** Every request to the bucket over plain HTTP is refused (Security Hub control S3.5). */
function denyNonTlsAccess(bucketArn: string): PolicyStatement {
    return {
        Sid: "DenyNonTlsAccess",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/**
 * The export bucket's policy. Baseline (seed 004): GuardDuty may GetBucketLocation and PutObject;
 * unencrypted and wrong-key uploads are denied; non-TLS object access is denied. Beyond it: each
 * service writes only under its own prefix and only for our security account, the encryption denies
 * apply to every principal (not only to the service), and non-TLS access is denied on the bucket too.
 */
export function exportBucketPolicy(params: BucketPolicyParams): PolicyDocument {
    const bucketArn = `arn:${PARTITION}:s3:::${params.bucketName}`;
    const statements: PolicyStatement[] = [
        denyNonTlsAccess(bucketArn),
        {
            Sid: "DenyUploadsNotEncryptedWithKms",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${bucketArn}/*`,
            Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
        },
        {
            Sid: "DenyUploadsUnderAnotherKey",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${bucketArn}/*`,
            Condition: {
                StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": params.keyArn },
            },
        },
    ];
    if (params.records !== undefined)
        statements.push({
            // Anyone else who may write the bucket could plant a record that makes the responder lift someone's
            // rule or trust a planted group. aws:PrincipalArn of an assumed-role session is the role's ARN (IAM
            // user guide, condition keys).
            Sid: "OnlyTheResponderWritesItsRecords",
            Effect: "Deny",
            Principal: "*",
            Action: [...OBJECT_WRITE_ACTIONS],
            Resource: `${bucketArn}/${params.records.prefix}*`,
            Condition: { ArnNotEquals: { "aws:PrincipalArn": params.records.writerArn } },
        });
    for (const service of params.services) {
        const label = service === "guardduty" ? "GuardDuty" : "Macie";
        const principals = principalsOf(service, params.regions);
        const condition = confusedDeputyCondition(service, params);
        statements.push(
            {
                Sid: `${label}LocatesBucket`,
                Effect: "Allow",
                Principal: { Service: principals },
                Action: "s3:GetBucketLocation",
                Resource: bucketArn,
                Condition: condition,
            },
            {
                Sid: `${label}WritesUnderItsPrefix`,
                Effect: "Allow",
                Principal: { Service: principals },
                Action: "s3:PutObject",
                Resource: `${bucketArn}/${EXPORT_PREFIXES[service]}/*`,
                Condition: condition,
            },
        );
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** The access-log bucket's name, beside the findings bucket's: one per security account and home region. */
export function accessLogBucketName(securityAccountId: string, homeRegion: string): string {
    return `security-governance-access-logs-${securityAccountId}-${homeRegion}`;
}

export interface AccessLogBucketPolicyParams {
    /** The security account: the only account whose buckets may log here. */
    securityAccountId: string;
    /** The access-log bucket. */
    bucketName: string;
    /** Each bucket that logs here, with the prefix its logs land under. */
    sources: readonly { bucketName: string; prefix: string }[];
}

/**
 * The access-log bucket's policy. S3 writes server access logs as the logging service principal
 * `logging.s3.amazonaws.com`, which a bucket with ACLs disabled (BucketOwnerEnforced) must allow `s3:PutObject`
 * in its policy, scoped with `aws:SourceArn` (the source bucket) and `aws:SourceAccount` (S3 user guide, "Enabling
 * Amazon S3 server access logging", "Permissions for log delivery"). Each source may write under its own prefix
 * only, so one bucket's logs cannot be passed off as another's. Unlike the findings bucket's, this policy demands no
 * encryption header on uploads: "If there are Deny statements in your bucket policy, make sure that they don't
 * prevent Amazon S3 from delivering access logs" (same page), and S3's log delivery sends none (user report,
 * aws-quickstart/quickstart-compliance-common issue 29); the default SSE-S3 encrypts every log object anyway. The TLS
 * deny is kept for Security Hub control S3.5; that log delivery passes it is not stated in AWS's pages.
 */
export function accessLogBucketPolicy(params: AccessLogBucketPolicyParams): PolicyDocument {
    const bucketArn = `arn:${PARTITION}:s3:::${params.bucketName}`;
    return {
        Version: "2012-10-17",
        Statement: [
            denyNonTlsAccess(bucketArn),
            ...params.sources.map((source, index): PolicyStatement => ({
                Sid: `S3ServerAccessLogs${index}`,
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${bucketArn}/${source.prefix}*`,
                Condition: {
                    ArnLike: { "aws:SourceArn": `arn:${PARTITION}:s3:::${source.bucketName}` },
                    StringEquals: { "aws:SourceAccount": params.securityAccountId },
                },
            })),
        ],
    };
}
