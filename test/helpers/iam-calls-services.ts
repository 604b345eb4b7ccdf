import {
    type Entry,
    passRole,
    read,
    reads,
    securityHubArn,
    serviceLinkedRole,
    standInId,
    stringInput,
    type Target,
    write,
    writes,
} from "./iam-calls";

/*
 * The security account's functions (Lambda, logs, SQS) and the services other than GuardDuty (Security Hub, Macie,
 * Detective, Inspector). Sources as in iam-calls-security.ts.
 */

const functionArn = (t: Target, name: string) => `arn:aws:lambda:${t.region}:${t.security}:function:${name}`;
const graphArn = (t: Target) => `arn:aws:detective:${t.region}:${t.security}:graph:${standInId(t)}`;

export const SERVICE_CALLS: Record<string, Entry> = {
    "aws:lambda/function:Function": {
        account: "security",
        source: "TF lambda/function.go [read]: CreateFunction (passes the role: iam:PassRole to lambda.amazonaws.com, Lambda guide), PutFunctionConcurrency, TagResource; read: GetFunction, GetFunctionCodeSigningConfig, ListVersionsByFunction; update: UpdateFunctionCode, UpdateFunctionConfiguration; DeleteFunction",
        calls: (t) => {
            const arn = functionArn(t, stringInput(t, "name"));
            return [
                ...writes(
                    arn,
                    "lambda:CreateFunction",
                    "lambda:PutFunctionConcurrency",
                    "lambda:TagResource",
                    "lambda:UntagResource",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "lambda:DeleteFunction",
                ),
                passRole(stringInput(t, "role"), "lambda.amazonaws.com"),
                ...reads(
                    arn,
                    "lambda:GetFunction",
                    "lambda:GetFunctionCodeSigningConfig",
                    "lambda:ListVersionsByFunction",
                ),
            ];
        },
    },
    "aws:lambda/permission:Permission": {
        account: "security",
        source: "TF lambda/permission.go: AddPermission, GetPolicy, RemovePermission",
        calls: (t) => {
            const arn = functionArn(t, stringInput(t, "function"));
            return [
                ...writes(arn, "lambda:AddPermission", "lambda:RemovePermission"),
                read("lambda:GetPolicy", arn),
            ];
        },
    },
    "aws:lambda/invocation:Invocation": {
        account: "security",
        source: "TF lambda/invocation.go: Invoke on create and when triggers change; nothing on read or delete (lifecycle scope CREATE_ONLY)",
        calls: (t) => [write("lambda:InvokeFunction", functionArn(t, stringInput(t, "functionName")))],
    },
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
        account: "security",
        source: "TF lambda/function_event_invoke_config.go: PutFunctionEventInvokeConfig, GetFunctionEventInvokeConfig, UpdateFunctionEventInvokeConfig, DeleteFunctionEventInvokeConfig",
        calls: (t) => {
            const arn = functionArn(t, stringInput(t, "functionName"));
            return [
                ...writes(
                    arn,
                    "lambda:PutFunctionEventInvokeConfig",
                    "lambda:UpdateFunctionEventInvokeConfig",
                    "lambda:DeleteFunctionEventInvokeConfig",
                ),
                read("lambda:GetFunctionEventInvokeConfig", arn),
            ];
        },
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        account: "security",
        source: "TF cloudwatch/metric_alarm.go: PutMetricAlarm (create and update), DescribeAlarms, ListTagsForResource, DeleteAlarms; SAR CloudWatch: each requires the alarm resource",
        calls: (t) => {
            const arn = `arn:aws:cloudwatch:${t.region}:${t.security}:alarm:${stringInput(t, "name")}`;
            return [
                ...writes(arn, "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"),
                ...reads(arn, "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"),
            ];
        },
    },
    "aws:cloudwatch/dashboard:Dashboard": {
        account: "security",
        source: "TF cloudwatch/dashboard.go: PutDashboard (create and update), GetDashboard, DeleteDashboards; SAR CloudWatch: dashboard ARNs have no region",
        calls: (t) => {
            const arn = `arn:aws:cloudwatch::${t.security}:dashboard/${stringInput(t, "dashboardName")}`;
            return [
                ...writes(arn, "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"),
                ...reads(arn, "cloudwatch:GetDashboard"),
            ];
        },
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        account: "security",
        source: "TF logs/group.go: CreateLogGroup (tags: logs:TagResource), PutRetentionPolicy, DescribeLogGroups, ListTagsForResource, DeleteLogGroup",
        calls: (t) => {
            const arn = `arn:aws:logs:${t.region}:${t.security}:log-group:${stringInput(t, "name")}`;
            return [
                ...writes(
                    arn,
                    "logs:CreateLogGroup",
                    "logs:TagResource",
                    "logs:UntagResource",
                    "logs:PutRetentionPolicy",
                    "logs:DeleteRetentionPolicy",
                    "logs:DeleteLogGroup",
                ),
                ...reads(arn, "logs:DescribeLogGroups", "logs:ListTagsForResource"),
            ];
        },
    },
    "aws:sqs/queue:Queue": {
        account: "security",
        source: "TF sqs/queue.go: CreateQueue (tags: sqs:TagQueue), GetQueueAttributes, ListQueueTags, SetQueueAttributes, UntagQueue, DeleteQueue",
        calls: (t) => {
            const arn = `arn:aws:sqs:${t.region}:${t.security}:${stringInput(t, "name")}`;
            return [
                ...writes(
                    arn,
                    "sqs:CreateQueue",
                    "sqs:TagQueue",
                    "sqs:UntagQueue",
                    "sqs:SetQueueAttributes",
                    "sqs:DeleteQueue",
                ),
                ...reads(arn, "sqs:GetQueueAttributes", "sqs:ListQueueTags"),
            ];
        },
    },
    "aws:sqs/queuePolicy:QueuePolicy": {
        account: "security",
        source: "TF sqs/queue_policy.go: SetQueueAttributes (Policy), GetQueueAttributes",
        calls: (t) => {
            // The queue's URL, https://sqs.<region>.amazonaws.com/<account>/<name> (SQS developer guide, queue URLs).
            const name = stringInput(t, "queueUrl").split("/").pop() ?? "";
            const arn = `arn:aws:sqs:${t.region}:${t.security}:${name}`;
            return [write("sqs:SetQueueAttributes", arn), read("sqs:GetQueueAttributes", arn)];
        },
    },

    // ---- Detective (TF internal/service/detective) ----
    "aws:detective/graph:Graph": {
        account: "security",
        source: "TF detective/graph.go [read]: CreateGraph (tags in the request: detective:TagResource), ListGraphs (read), DeleteGraph; tags through the provider's transparent tagging (ListTagsForResource, UntagResource)",
        calls: (t) => [
            write("detective:CreateGraph", "*"),
            read("detective:ListGraphs", "*"),
            ...writes(
                graphArn(t),
                "detective:TagResource",
                "detective:UntagResource",
                "detective:DeleteGraph",
            ),
            read("detective:ListTagsForResource", graphArn(t)),
        ],
    },
    "aws:detective/organizationConfiguration:OrganizationConfiguration": {
        account: "security",
        source: "TF detective/organization_configuration.go: UpdateOrganizationConfiguration, DescribeOrganizationConfiguration",
        calls: (t) => [
            write("detective:UpdateOrganizationConfiguration", stringInput(t, "graphArn")),
            read("detective:DescribeOrganizationConfiguration", stringInput(t, "graphArn")),
        ],
    },

    // ---- Inspector (TF internal/service/inspector2) ----
    "aws:inspector2/enabler:Enabler": {
        account: "security",
        source: "TF inspector2/enabler.go [create read]: Enable (then waits on BatchGetAccountStatus), BatchGetAccountStatus, Disable; guide: Inspector creates its service-linked role",
        calls: (t) => [
            ...writes("*", "inspector2:Enable", "inspector2:Disable"),
            read("inspector2:BatchGetAccountStatus", "*"),
            serviceLinkedRole(t.security, "inspector2.amazonaws.com", "AWSServiceRoleForAmazonInspector2"),
        ],
    },
    "aws:inspector2/organizationConfiguration:OrganizationConfiguration": {
        account: "security",
        source: "TF inspector2/organization_configuration.go: UpdateOrganizationConfiguration, DescribeOrganizationConfiguration",
        calls: () => [
            write("inspector2:UpdateOrganizationConfiguration", "*"),
            read("inspector2:DescribeOrganizationConfiguration", "*"),
        ],
    },
    "aws:inspector2/filter:Filter": {
        account: "security",
        source: "TF inspector2/filter.go (framework): CreateFilter, ListFilters, UpdateFilter, DeleteFilter, tags through TagResource",
        calls: (t) => {
            const arn = `arn:aws:inspector2:${t.region}:${t.security}:owner/${t.security}/filter/${standInId(t, 16)}`;
            return [
                write("inspector2:CreateFilter", arn),
                read("inspector2:ListFilters", "*"),
                ...writes(
                    arn,
                    "inspector2:UpdateFilter",
                    "inspector2:DeleteFilter",
                    "inspector2:TagResource",
                ),
            ];
        },
    },

    // ---- Macie (TF internal/service/macie2) ----
    "aws:macie2/account:Account": {
        account: "security",
        source: "TF macie2/account.go: EnableMacie, GetMacieSession, UpdateMacieSession, DisableMacie; guide: Macie creates its service-linked role",
        calls: (t) => [
            ...writes("*", "macie2:EnableMacie", "macie2:UpdateMacieSession", "macie2:DisableMacie"),
            read("macie2:GetMacieSession", "*"),
            serviceLinkedRole(t.security, "macie.amazonaws.com", "AWSServiceRoleForAmazonMacie"),
        ],
    },
    "aws:macie2/classificationExportConfiguration:ClassificationExportConfiguration": {
        account: "security",
        source: "TF macie2/classification_export_configuration.go: PutClassificationExportConfiguration (also on delete), GetClassificationExportConfiguration",
        calls: () => [
            write("macie2:PutClassificationExportConfiguration", "*"),
            read("macie2:GetClassificationExportConfiguration", "*"),
        ],
    },
    "aws:macie2/organizationConfiguration:OrganizationConfiguration": {
        account: "security",
        source: "TF macie2/organization_configuration.go: UpdateOrganizationConfiguration, DescribeOrganizationConfiguration",
        calls: () => [
            write("macie2:UpdateOrganizationConfiguration", "*"),
            read("macie2:DescribeOrganizationConfiguration", "*"),
        ],
    },
    "aws:macie/findingsFilter:FindingsFilter": {
        account: "security",
        source: "TF macie2/findings_filter.go: CreateFindingsFilter, GetFindingsFilter, UpdateFindingsFilter, DeleteFindingsFilter, tags through TagResource",
        calls: (t) => {
            const arn = `arn:aws:macie2:${t.region}:${t.security}:findings-filter/${standInId(t)}`;
            return [
                write("macie2:CreateFindingsFilter", arn),
                write("macie2:TagResource", arn),
                read("macie2:GetFindingsFilter", arn),
                ...writes(arn, "macie2:UpdateFindingsFilter", "macie2:DeleteFindingsFilter"),
            ];
        },
    },

    // ---- Security Hub (TF internal/service/securityhub) ----
    "aws:securityhub/account:Account": {
        account: "security",
        source: "TF securityhub/account.go [read]: EnableSecurityHub, UpdateSecurityHubConfiguration, DescribeHub, DisableSecurityHub; guide: Security Hub creates its service-linked role",
        calls: (t) => {
            const hub = securityHubArn(t, "hub/default");
            return [
                ...writes(
                    hub,
                    "securityhub:EnableSecurityHub",
                    "securityhub:UpdateSecurityHubConfiguration",
                    "securityhub:DisableSecurityHub",
                ),
                read("securityhub:DescribeHub", hub),
                serviceLinkedRole(t.security, "securityhub.amazonaws.com", "AWSServiceRoleForSecurityHub"),
            ];
        },
    },
    "aws:securityhub/accountV2:AccountV2": {
        account: "security",
        source: "TF securityhub/account_v2.go: EnableSecurityHubV2, DescribeSecurityHubV2, DisableSecurityHubV2 (SAR)",
        calls: () => [
            ...writes("*", "securityhub:EnableSecurityHubV2", "securityhub:DisableSecurityHubV2"),
            read("securityhub:DescribeSecurityHubV2", "*"),
        ],
    },
    "aws:securityhub/featureV2:FeatureV2": {
        account: "security",
        source: "TF securityhub/feature_v2.go: EnableSecurityHubFeatureV2 or DisableSecurityHubFeatureV2 by featureStatus, read through DescribeSecurityHubV2 (findAccountV2), Delete a no-op; SAR: both feature actions on the hubv2 resource type (arn:...:hubv2/${HubV2Id})",
        calls: (t) => [
            ...writes(
                securityHubArn(t, `hubv2/${standInId(t)}`),
                "securityhub:EnableSecurityHubFeatureV2",
                "securityhub:DisableSecurityHubFeatureV2",
            ),
            read("securityhub:DescribeSecurityHubV2", "*"),
        ],
    },
    "aws:securityhub/aggregatorV2:AggregatorV2": {
        account: "security",
        source: "TF securityhub/aggregator_v2.go: CreateAggregatorV2, GetAggregatorV2, UpdateAggregatorV2, DeleteAggregatorV2 (SAR)",
        calls: (t) => {
            const arn = securityHubArn(t, `aggregatorv2/${standInId(t)}`);
            return [
                write("securityhub:CreateAggregatorV2", "*"),
                read("securityhub:GetAggregatorV2", arn),
                ...writes(arn, "securityhub:UpdateAggregatorV2", "securityhub:DeleteAggregatorV2"),
            ];
        },
    },
    "aws:securityhub/configurationPolicy:ConfigurationPolicy": {
        account: "security",
        source: "TF securityhub/configuration_policy.go: CreateConfigurationPolicy, GetConfigurationPolicy, UpdateConfigurationPolicy, DeleteConfigurationPolicy",
        calls: (t) => {
            const arn = securityHubArn(t, `configuration-policy/${standInId(t)}`);
            return [
                write("securityhub:CreateConfigurationPolicy", "*"),
                read("securityhub:GetConfigurationPolicy", arn),
                ...writes(
                    arn,
                    "securityhub:UpdateConfigurationPolicy",
                    "securityhub:DeleteConfigurationPolicy",
                ),
            ];
        },
    },
    "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation": {
        account: "security",
        source: "TF securityhub/configuration_policy_association.go: StartConfigurationPolicyAssociation, GetConfigurationPolicyAssociation, StartConfigurationPolicyDisassociation",
        calls: (t) => [
            ...writes(
                securityHubArn(t, "hub/default"),
                "securityhub:StartConfigurationPolicyAssociation",
                "securityhub:StartConfigurationPolicyDisassociation",
            ),
            read("securityhub:GetConfigurationPolicyAssociation", "*"),
        ],
    },
    "aws:securityhub/findingAggregator:FindingAggregator": {
        account: "security",
        source: "TF securityhub/finding_aggregator.go: CreateFindingAggregator, GetFindingAggregator, UpdateFindingAggregator, DeleteFindingAggregator",
        calls: (t) => {
            const arn = securityHubArn(t, `finding-aggregator/${standInId(t)}`);
            return [
                write("securityhub:CreateFindingAggregator", "*"),
                read("securityhub:GetFindingAggregator", arn),
                ...writes(arn, "securityhub:UpdateFindingAggregator", "securityhub:DeleteFindingAggregator"),
            ];
        },
    },
    "aws:securityhub/organizationConfiguration:OrganizationConfiguration": {
        account: "security",
        source: "TF securityhub/organization_configuration.go: UpdateOrganizationConfiguration, DescribeOrganizationConfiguration",
        calls: (t) => {
            const hub = securityHubArn(t, "hub/default");
            return [
                write("securityhub:UpdateOrganizationConfiguration", hub),
                read("securityhub:DescribeOrganizationConfiguration", hub),
            ];
        },
    },
    "aws:securityhub/automationRule:AutomationRule": {
        account: "security",
        source: "TF securityhub/automation_rule.go (framework): CreateAutomationRule, BatchGetAutomationRules, BatchUpdateAutomationRules, BatchDeleteAutomationRules, tags through TagResource",
        calls: (t) => {
            const arn = securityHubArn(t, `automation-rule/${standInId(t)}`);
            return [
                write("securityhub:CreateAutomationRule", "*"),
                read("securityhub:BatchGetAutomationRules", arn),
                ...writes(
                    arn,
                    "securityhub:TagResource",
                    "securityhub:BatchUpdateAutomationRules",
                    "securityhub:BatchDeleteAutomationRules",
                ),
            ];
        },
    },
    "aws:securityhub/automationRuleV2:AutomationRuleV2": {
        account: "security",
        source: "TF securityhub/automation_rule_v2.go: CreateAutomationRuleV2, GetAutomationRuleV2, UpdateAutomationRuleV2, DeleteAutomationRuleV2 (SAR)",
        calls: (t) => {
            const arn = securityHubArn(t, `automation-rulev2/${standInId(t)}`);
            return [
                write("securityhub:CreateAutomationRuleV2", "*"),
                read("securityhub:GetAutomationRuleV2", arn),
                ...writes(arn, "securityhub:UpdateAutomationRuleV2", "securityhub:DeleteAutomationRuleV2"),
            ];
        },
    },
};
