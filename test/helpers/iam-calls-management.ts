import {
    type Call,
    DESIGNATED_SERVICE_PRINCIPALS,
    type Entry,
    organizationsPolicyArn,
    organizationsTargetArn,
    read,
    reads,
    serviceLinkedRole,
    stringInput,
    type Target,
    write,
    writes,
} from "./iam-calls";
import { createHash } from "node:crypto";

/*
 * The calls of the resources the management provider manages (the management role), and discovery's. Sources as in
 * iam-calls-security.ts, and for a designation the service's guide ("Designating a delegated administrator"):
 * the caller also needs organizations:EnableAWSServiceAccess, RegisterDelegatedAdministrator (and Deregister on
 * removal), ListDelegatedAdministrators, ListAWSServiceAccessForOrganization, DescribeOrganization, and
 * iam:CreateServiceLinkedRole, because the service makes those calls with the caller's permissions.
 */

type Service = keyof typeof DESIGNATED_SERVICE_PRINCIPALS;

/** The Organizations calls a service makes with the caller's rights when an administrator is designated or removed. */
function trustedAccess(t: Target, service: Service): Call[] {
    const principal = { "organizations:ServicePrincipal": DESIGNATED_SERVICE_PRINCIPALS[service] };
    const account = organizationsTargetArn(t, t.security);
    return [
        write("organizations:EnableAWSServiceAccess", "*", principal),
        write("organizations:RegisterDelegatedAdministrator", account, principal),
        write("organizations:DeregisterDelegatedAdministrator", account, principal),
        ...reads(
            "*",
            "organizations:ListDelegatedAdministrators",
            "organizations:ListAWSServiceAccessForOrganization",
            "organizations:DescribeOrganization",
        ),
    ];
}

function designation(
    service: Service,
    enable: string,
    list: string,
    disable: string,
    role?: [string, string],
) {
    return (t: Target): Call[] => {
        // Security Hub authorizes its designation calls on the management account's hub (SAR resource type hub).
        const resource =
            service === "securityhub" ? `arn:aws:securityhub:${t.region}:${t.management}:hub/default` : "*";
        return [
            ...writes(resource, `${service}:${enable}`, `${service}:${disable}`),
            read(`${service}:${list}`, resource),
            ...trustedAccess(t, service),
            ...(role ? [serviceLinkedRole(t.management, role[0], role[1])] : []),
        ];
    };
}

/**
 * The Organizations policy an attachment names: the plan's policyId is the mock provider's ID, the first 20 hex
 * digits of SHA-256("<type>\0<name>") of the policy (tools/plan-runtime.ts, mockOutputs).
 */
function attachedPolicy(t: Target): { type: string; id: string } {
    const id = stringInput(t, "policyId");
    for (const policy of t.plan.resources.filter((r) => r.type === "aws:organizations/policy:Policy")) {
        const mockId = createHash("sha256")
            .update(`${policy.type}\u0000${policy.name}`)
            .digest("hex")
            .slice(0, 20);
        if (mockId === id) return { type: String(policy.inputs.type), id };
    }
    throw new Error(`${t.resource.name}: no planned policy has ID ${id}`);
}

export const MANAGEMENT_CALLS: Record<string, Entry> = {
    "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount": {
        account: "management",
        source: "TF guardduty/organization_admin_account.go: EnableOrganizationAdminAccount, ListOrganizationAdminAccounts, DisableOrganizationAdminAccount; GuardDuty guide (delegated administrator permissions)",
        calls: designation(
            "guardduty",
            "EnableOrganizationAdminAccount",
            "ListOrganizationAdminAccounts",
            "DisableOrganizationAdminAccount",
            ["guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty"],
        ),
    },
    "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount": {
        account: "management",
        source: "TF securityhub/organization_admin_account.go: EnableOrganizationAdminAccount, ListOrganizationAdminAccounts, DisableOrganizationAdminAccount; Security Hub guide",
        calls: designation(
            "securityhub",
            "EnableOrganizationAdminAccount",
            "ListOrganizationAdminAccounts",
            "DisableOrganizationAdminAccount",
            ["securityhub.amazonaws.com", "AWSServiceRoleForSecurityHub"],
        ),
    },
    "aws:macie2/organizationAdminAccount:OrganizationAdminAccount": {
        account: "management",
        source: "TF macie2/organization_admin_account.go: EnableOrganizationAdminAccount, ListOrganizationAdminAccounts, DisableOrganizationAdminAccount; Macie guide",
        calls: designation(
            "macie2",
            "EnableOrganizationAdminAccount",
            "ListOrganizationAdminAccounts",
            "DisableOrganizationAdminAccount",
            ["macie.amazonaws.com", "AWSServiceRoleForAmazonMacie"],
        ),
    },
    "aws:detective/organizationAdminAccount:OrganizationAdminAccount": {
        account: "management",
        source: "TF detective/organization_admin_account.go: EnableOrganizationAdminAccount, ListOrganizationAdminAccounts, DisableOrganizationAdminAccount; Detective guide",
        calls: designation(
            "detective",
            "EnableOrganizationAdminAccount",
            // SAR: Detective's action is singular (ListOrganizationAdminAccount), unlike the other services'.
            "ListOrganizationAdminAccount",
            "DisableOrganizationAdminAccount",
        ),
    },
    "aws:inspector2/delegatedAdminAccount:DelegatedAdminAccount": {
        account: "management",
        source: "TF inspector2/delegated_admin_account.go: EnableDelegatedAdminAccount, ListDelegatedAdminAccounts, DisableDelegatedAdminAccount; Inspector guide",
        calls: designation(
            "inspector2",
            "EnableDelegatedAdminAccount",
            "ListDelegatedAdminAccounts",
            "DisableDelegatedAdminAccount",
            ["inspector2.amazonaws.com", "AWSServiceRoleForAmazonInspector2"],
        ),
    },
    "aws:organizations/awsServiceAccess:AwsServiceAccess": {
        account: "management",
        source: "TF organizations/aws_service_access.go: EnableAWSServiceAccess, ListAWSServiceAccessForOrganization, DisableAWSServiceAccess (organizations:ServicePrincipal: SAR)",
        calls: (t) => {
            const principal = { "organizations:ServicePrincipal": stringInput(t, "servicePrincipal") };
            return [
                write("organizations:EnableAWSServiceAccess", "*", principal),
                write("organizations:DisableAWSServiceAccess", "*", principal),
                read("organizations:ListAWSServiceAccessForOrganization", "*"),
            ];
        },
    },
    "aws:organizations/policy:Policy": {
        account: "management",
        source: "TF organizations/policy.go [read]: CreatePolicy (tags in the request: TagResource), DescribePolicy, UpdatePolicy, DeletePolicy (a policy is detached by its attachment's delete first); tags read and changed by the provider's transparent tagging (ListTagsForResource, TagResource, UntagResource)",
        calls: (t) => {
            const arn = organizationsPolicyArn(t, stringInput(t, "type"), "0123456789abcdef");
            return [
                ...writes(
                    arn,
                    "organizations:CreatePolicy",
                    "organizations:TagResource",
                    "organizations:UntagResource",
                    "organizations:UpdatePolicy",
                    "organizations:DeletePolicy",
                ),
                ...reads(arn, "organizations:DescribePolicy", "organizations:ListTagsForResource"),
            ];
        },
    },
    "aws:organizations/policyAttachment:PolicyAttachment": {
        account: "management",
        source: "TF organizations/policy_attachment.go [read]: AttachPolicy, ListTargetsForPolicy (read), DetachPolicy (SAR: authorized on the policy and on the target)",
        calls: (t) => {
            const policy = attachedPolicy(t);
            const arn = organizationsPolicyArn(t, policy.type, policy.id);
            const target = organizationsTargetArn(t, stringInput(t, "targetId"));
            return [
                ...writes(arn, "organizations:AttachPolicy", "organizations:DetachPolicy"),
                ...writes(target, "organizations:AttachPolicy", "organizations:DetachPolicy"),
                read("organizations:ListTargetsForPolicy", arn),
            ];
        },
    },
    "aws:cloudformation/stackSet:StackSet": {
        account: "management",
        source: "TF cloudformation/stack_set.go: CreateStackSet, DescribeStackSet, UpdateStackSet, DescribeStackSetOperation, DeleteStackSet",
        calls: (t) => {
            const arn = `arn:aws:cloudformation:${t.region}:${t.management}:stackset/${stringInput(t, "name")}:*`;
            return [
                ...writes(
                    arn,
                    "cloudformation:CreateStackSet",
                    "cloudformation:UpdateStackSet",
                    "cloudformation:DeleteStackSet",
                ),
                ...reads(arn, "cloudformation:DescribeStackSet", "cloudformation:DescribeStackSetOperation"),
            ];
        },
    },
    "aws:cloudformation/stackSetInstance:StackSetInstance": {
        account: "management",
        source: "TF cloudformation/stack_set_instance.go: CreateStackInstances, ListStackInstances (deployment targets), UpdateStackInstances, DeleteStackInstances, DescribeStackSetOperation",
        calls: (t) => {
            const arn = `arn:aws:cloudformation:${t.region}:${t.management}:stackset/${stringInput(t, "stackSetName")}:*`;
            return [
                ...writes(
                    arn,
                    "cloudformation:CreateStackInstances",
                    "cloudformation:UpdateStackInstances",
                    "cloudformation:DeleteStackInstances",
                ),
                ...reads(
                    arn,
                    "cloudformation:ListStackInstances",
                    "cloudformation:DescribeStackSetOperation",
                ),
            ];
        },
    },
};

/**
 * Discovery (stacks/organization.ts REQUIRED_PERMISSIONS, stacks/one-organization.ts), run by `pulumi preview` and `pulumi up` alike through the
 * role in accounts.managementRoleArn; ListPoliciesForTarget reads each guardrail target (stacks/guardrail-quotas.ts).
 */
export function discoveryCalls(t: Pick<Target, "management" | "organizationId">, targets: string[]): Call[] {
    const targetArn = (id: string) => organizationsTargetArn(t as Target, id);
    return [
        ...reads(
            "*",
            "organizations:DescribeOrganization",
            "organizations:ListRoots",
            "organizations:ListAccounts",
            // Who administers each designated service already (stacks/one-organization.ts).
            "organizations:ListDelegatedAdministrators",
        ),
        ...targets.map((id) => read("organizations:ListPoliciesForTarget", targetArn(id))),
    ];
}
