import type { PlanDocument, PlannedResource } from "../../tools/plan-runtime";
import type { Account, Call, Entry, Target } from "./iam-calls";
import { MANAGEMENT_CALLS } from "./iam-calls-management";
import { SECURITY_CALLS } from "./iam-calls-security";
import { SERVICE_CALLS } from "./iam-calls-services";

/** Every Pulumi resource type the program creates, to the IAM calls its lifecycle makes. */
export const PERMISSIONS_TABLE: Record<string, Entry> = {
    ...SECURITY_CALLS,
    ...SERVICE_CALLS,
    ...MANAGEMENT_CALLS,
};

/** Types that make no AWS call of their own: the program's components and the providers. */
export function makesNoCalls(type: string): boolean {
    return type.startsWith("security-governance:") || type === "pulumi:providers:aws";
}

export interface PlannedCalls {
    resource: PlannedResource;
    /** The account whose provider manages the resource (the management provider's URN holds "::management::"). */
    account: Account;
    calls: Call[];
}

/** The calls of every planned AWS resource, with the account its provider points at. */
export function plannedCalls(plan: PlanDocument): PlannedCalls[] {
    return plan.resources
        .filter((resource) => !makesNoCalls(resource.type))
        .map((resource) => {
            const entry = PERMISSIONS_TABLE[resource.type];
            if (entry === undefined) throw new Error(`no permissions entry for ${resource.type}`);
            const target: Target = {
                resource,
                inputs: resource.inputs,
                region: typeof resource.inputs.region === "string" ? resource.inputs.region : plan.homeRegion,
                homeRegion: plan.homeRegion,
                security: plan.accounts.securityAdmin,
                management: plan.accounts.management,
                organizationId: plan.organization.id,
                plan,
            };
            const account: Account = (resource.provider ?? "").includes("::management::")
                ? "management"
                : "security";
            return { resource, account, calls: entry.calls(target) };
        });
}
