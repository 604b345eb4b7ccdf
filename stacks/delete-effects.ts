/*
 * What deleting a resource does in AWS, for every resource type whose deletion would lose data or governance.
 * Pulumi deletes a resource when it leaves the program: `pulumi destroy` (with or without
 * `--exclude-protected`), a region removed from `regions`, a service turned off, an OU scope or the
 * `remediation` section removed. Every type below is therefore kept on delete (`retainOnDelete`): Pulumi
 * forgets it and AWS keeps it. test/teardown.test.ts plans each of those changes and holds every plan to this
 * table; docs/deploying.md ("Turning a service off, tearing down, offboarding") says what each path does.
 *
 * "Delete calls" is the provider's Delete (terraform-provider-aws, internal/service/<service>/<resource>.go,
 * which @pulumi/aws wraps); "effect" is what the AWS API reference or user guide documents that call does.
 */

export type Loss = "data" | "governance";

export interface DeleteEffect {
    /** What the provider's Delete calls. */
    calls: string;
    /** What AWS documents the call does, with the page. */
    effect: string;
    loses: Loss;
    /**
     * Kept only while the findings are protected (`findingsExport.protectData`, default true; a sandbox may
     * turn it off to tear down completely): a data-bearing resource, or one that writes to or guards the
     * findings bucket, which a stack without protection deletes too.
     */
    whileProtected?: true;
    /**
     * An OU's own copy (its name carries the OU ID) may be deleted: the OU then inherits the root's, which
     * is kept (Security Hub user guide, central-configuration "disassociate": "the target inherits the
     * configuration of the closest parent"; an OU's Inspector policy, see components/inspector.ts).
     */
    ouCopyDeletable?: true;
    /**
     * Resources of the type that hold nothing to lose, by their resource name (a regular expression), and why:
     * the drill's inbox holds copies of alert e-mails that went out through the topic.
     */
    deletableNamed?: { pattern: string; why: string };
}

export const DELETE_EFFECTS: Record<string, DeleteEffect> = {
    "aws:sqs/queue:Queue": {
        calls: "sqs:DeleteQueue",
        effect: "the responder's failed events: DeleteQueue \"Deletes the queue ... regardless of the queue's contents\" (SQS API reference, DeleteQueue)",
        loses: "data",
        deletableNamed: {
            pattern: "^drill-inbox$",
            why: "the drill's inbox: copies of alert e-mails that went out through the topic",
        },
    },
    "aws:guardduty/detector:Detector": {
        calls: "guardduty:DeleteDetector",
        effect: '"Deletes an Amazon GuardDuty detector" and with it every finding (GuardDuty user guide, guardduty_suspend-disable: "existing findings ... are deleted")',
        loses: "data",
        whileProtected: true,
    },
    "aws:detective/graph:Graph": {
        calls: "detective:DeleteGraph",
        effect: "the behavior graph and its data are deleted (Detective API reference, DeleteGraph)",
        loses: "data",
        whileProtected: true,
    },
    "aws:macie2/account:Account": {
        calls: "macie2:DisableMacie",
        effect: "Macie is disabled and its findings and settings are deleted (Macie API reference, DisableMacie)",
        loses: "data",
        whileProtected: true,
    },
    "aws:securityhub/account:Account": {
        calls: "securityhub:DisableSecurityHub",
        effect: "Security Hub CSPM is disabled in the account and region; its findings are deleted after 90 days",
        loses: "data",
        whileProtected: true,
    },
    "aws:securityhub/accountV2:AccountV2": {
        calls: "securityhub:DisableSecurityHubV2",
        effect: '"Destroying this resource will disable Security Hub V2 for this AWS account" (@pulumi/aws docs)',
        loses: "data",
        whileProtected: true,
    },
    "aws:inspector2/enabler:Enabler": {
        calls: "inspector2:Disable for every resource type",
        effect: 'disabling every scan type disables Inspector, and "filters, suppression rules, and findings are deleted" (Inspector user guide, deactivating)',
        loses: "data",
        whileProtected: true,
    },
    "aws:s3/bucket:Bucket": {
        calls: "s3:DeleteBucket",
        effect: "the exported findings archive is gone",
        loses: "data",
        whileProtected: true,
    },
    "aws:kms/key:Key": {
        calls: "kms:ScheduleKeyDeletion",
        effect: "after the waiting period every object encrypted with it is unreadable (KMS developer guide, deleting-keys)",
        loses: "data",
        whileProtected: true,
    },
    "aws:s3/bucketPolicy:BucketPolicy": {
        calls: "s3:DeleteBucketPolicy",
        effect: "the kept bucket loses its TLS and encryption denies and the services' grants to write, so exports fail",
        loses: "governance",
        whileProtected: true,
    },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
        calls: "s3:DeletePublicAccessBlock",
        effect: "the kept bucket may be made public",
        loses: "governance",
        whileProtected: true,
    },
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
        calls: "s3:DeleteBucketEncryption",
        effect: "new objects in the kept bucket fall back to SSE-S3 (S3 API reference, DeleteBucketEncryption)",
        loses: "governance",
        whileProtected: true,
    },
    "aws:s3/bucketVersioning:BucketVersioning": {
        calls: "s3:PutBucketVersioning Suspended",
        effect: "an overwritten or deleted finding in the kept bucket is no longer kept as a version",
        loses: "data",
        whileProtected: true,
    },
    "aws:s3/bucketLogging:BucketLogging": {
        calls: "s3:PutBucketLogging with an empty BucketLoggingStatus",
        effect: "the kept bucket stops logging server access: an empty BucketLoggingStatus deletes the logging configuration (S3 user guide, enable-server-access-logging)",
        loses: "governance",
        whileProtected: true,
    },
    "aws:detective/organizationAdminAccount:OrganizationAdminAccount": {
        calls: "detective:DisableOrganizationAdminAccount",
        effect: '"Removes the Detective administrator account in the current Region. Deletes the organization behavior graph." (Detective API reference, DisableOrganizationAdminAccount): up to a year of investigation data',
        loses: "data",
    },
    "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount": {
        calls: "guardduty:DisableOrganizationAdminAccount",
        effect: 'the region loses its administrator; members become standalone accounts that "can disable GuardDuty themselves" and whose findings the administrator no longer sees (GuardDuty user guide, change-guardduty-delegated-admin and delete-member-accounts-guardduty-organization)',
        loses: "governance",
    },
    "aws:guardduty/member:Member": {
        calls: "guardduty:DeleteMembers",
        effect: "the account becomes standalone and may disable GuardDuty (GuardDuty user guide, delete-member-accounts)",
        loses: "governance",
    },
    "aws:guardduty/publishingDestination:PublishingDestination": {
        calls: "guardduty:DeletePublishingDestination",
        effect: "findings stop being exported; GuardDuty itself keeps a finding for 90 days (GuardDuty user guide, guardduty_exportfindings), so later ones are lost",
        loses: "data",
        whileProtected: true,
    },
    "aws:macie2/organizationAdminAccount:OrganizationAdminAccount": {
        calls: "macie2:DisableOrganizationAdminAccount",
        effect: "members are no longer governed; a new administrator loses access to the automated discovery statistics and inventory (Macie user guide, accounts-mgmt-ao-integrate)",
        loses: "governance",
    },
    "aws:macie2/classificationExportConfiguration:ClassificationExportConfiguration": {
        calls: "macie2:PutClassificationExportConfiguration with an empty configuration",
        effect: "sensitive data discovery results are no longer stored in the findings bucket",
        loses: "data",
        whileProtected: true,
    },
    "aws:inspector2/delegatedAdminAccount:DelegatedAdminAccount": {
        calls: "inspector2:DisableDelegatedAdminAccount",
        effect: 'members "become standalone accounts and retain their original scan settings" (Inspector user guide, designating-admin): no longer governed',
        loses: "governance",
    },
    "aws:inspector2/organizationConfiguration:OrganizationConfiguration": {
        calls: "inspector2:UpdateOrganizationConfiguration with every autoEnable false",
        effect: "new member accounts are no longer scanned automatically",
        loses: "governance",
    },
    "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount": {
        calls: "securityhub:DisableOrganizationAdminAccount",
        effect: "members are disassociated and keep Security Hub as standalone accounts (Security Hub user guide, designate-orgs-admin-account)",
        loses: "governance",
    },
    "aws:securityhub/organizationConfiguration:OrganizationConfiguration": {
        calls: "securityhub:UpdateOrganizationConfiguration to LOCAL, autoEnable false, standards NONE",
        effect: "central configuration ends: every account keeps its settings and becomes self-managed (Security Hub user guide, stop-central-configuration)",
        loses: "governance",
    },
    "aws:securityhub/configurationPolicy:ConfigurationPolicy": {
        calls: "securityhub:DeleteConfigurationPolicy",
        effect: "accounts it applied to become self-managed (Security Hub user guide, delete-policy)",
        loses: "governance",
        ouCopyDeletable: true,
    },
    "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation": {
        calls: "securityhub:StartConfigurationPolicyDisassociation",
        effect: '"If there\'s no configuration to inherit, the target retains its settings but becomes a self-managed account" (Security Hub API reference, StartConfigurationPolicyDisassociation)',
        loses: "governance",
        ouCopyDeletable: true,
    },
    "aws:securityhub/findingAggregator:FindingAggregator": {
        calls: "securityhub:DeleteFindingAggregator",
        effect: "linked regions' findings stop reaching the home region, where the CSPM alerts read them (Security Hub user guide, finding-aggregation-stop)",
        loses: "governance",
    },
    "aws:securityhub/aggregatorV2:AggregatorV2": {
        calls: "securityhub:DeleteAggregatorV2",
        effect: "linked regions' findings stop reaching the home region",
        loses: "governance",
    },
    "aws:organizations/policy:Policy": {
        calls: "organizations:DeletePolicy (after every DetachPolicy)",
        effect: "the organization-wide enablement or guardrail it carries ends for every account it reached (Organizations user guide, orgs_manage_policies)",
        loses: "governance",
        ouCopyDeletable: true,
    },
    "aws:organizations/policyAttachment:PolicyAttachment": {
        calls: "organizations:DetachPolicy",
        effect: "the policy no longer applies to the target's accounts",
        loses: "governance",
        ouCopyDeletable: true,
    },
    "aws:organizations/awsServiceAccess:AwsServiceAccess": {
        calls: "organizations:DisableAWSServiceAccess",
        effect: 'the service stops acting in member accounts; AWS "strongly recommend[s]" against it (Organizations API reference, DisableAWSServiceAccess)',
        loses: "governance",
    },
};

/** An OU's own copy of a resource: its name carries the OU's ID (ou-<root part>-<OU part>). */
export function isOuCopy(name: string): boolean {
    return /(^|-)ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}(-|$)/.test(name);
}
