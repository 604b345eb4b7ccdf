import { StackValidationPolicy } from "@pulumi/policy";
import { StackResource, at, stackResources, str } from "./util";

/** Every resource that designates a delegated administrator, with the property naming the account. */
export const DELEGATED_ADMIN_ACCOUNT_PROPERTY: Record<string, string> = {
    "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount": "adminAccountId",
    "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount": "adminAccountId",
    "aws:macie2/organizationAdminAccount:OrganizationAdminAccount": "adminAccountId",
    "aws:detective/organizationAdminAccount:OrganizationAdminAccount": "accountId",
    "aws:inspector2/delegatedAdminAccount:DelegatedAdminAccount": "accountId",
    "aws:organizations/delegatedAdministrator:DelegatedAdministrator": "accountId",
};

interface Designation {
    resource: StackResource;
    accountId: string;
}

/** Designations whose account is known; unknown ones cannot be judged during preview. */
function designations(resources: StackResource[]): Designation[] {
    const result: Designation[] = [];
    for (const resource of resources) {
        const accountId = str(at(resource.props, DELEGATED_ADMIN_ACCOUNT_PROPERTY[resource.type]));
        if (typeof accountId === "string" && accountId !== "") {
            result.push({ resource, accountId });
        }
    }
    return result;
}

function describe(resource: StackResource): string {
    return `${resource.type.split(":")[1].split("/")[0]} ${resource.name}`;
}

export const delegatedAdminSingleAccount: StackValidationPolicy = {
    name: "delegated-admin-single-account",
    description: "Every security service must delegate administration to one and the same account.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const found = designations(stackResources(args, Object.keys(DELEGATED_ADMIN_ACCOUNT_PROPERTY)));
        const byAccount = new Map<string, string[]>();
        for (const d of found) {
            byAccount.set(d.accountId, [...(byAccount.get(d.accountId) ?? []), describe(d.resource)]);
        }
        if (byAccount.size > 1) {
            const accounts = [...byAccount.entries()]
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([account, names]) => `${account} (${names.join(", ")})`);
            reportViolation(
                `Delegated administrators name ${byAccount.size} accounts: ${accounts.join("; ")}.`,
            );
        }
    },
};

export const delegatedAdminNotManagementAccount: StackValidationPolicy = {
    name: "delegated-admin-not-management-account",
    description: "No security service may delegate administration to the organization's management account.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            managementAccountId: {
                type: "string",
                pattern: "^[0-9]{12}$",
                description: "The organization's management account. Unset: the policy does not apply.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const { managementAccountId } = args.getConfig<{ managementAccountId?: string }>();
        if (!managementAccountId) {
            args.notApplicable("managementAccountId is not configured");
        }
        const found = designations(stackResources(args, Object.keys(DELEGATED_ADMIN_ACCOUNT_PROPERTY)));
        for (const d of found.filter((f) => f.accountId === managementAccountId)) {
            reportViolation(
                `${describe(d.resource)} delegates to the management account ${managementAccountId}; ` +
                    "delegate to the security account instead.",
                d.resource.urn,
            );
        }
    },
};

export const organizationPolicies = [delegatedAdminSingleAccount, delegatedAdminNotManagementAccount];
