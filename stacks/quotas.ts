import type { GovernedService } from "./availability";

/**
 * How many member accounts one delegated administrator can hold, per service and region. None of these
 * can be raised. Above them the service refuses further members, so the enrollment function enrolls up to
 * the quota (functions/enrollment/reconcile.ts) and the plan reports the rest ahead of time.
 */
export const MEMBER_QUOTAS: Record<GovernedService, { members: number; source: string }> = {
    guardduty: {
        members: 50_000,
        // "A delegated GuardDuty administrator account can manage a maximum of 50,000 members."
        source: "GuardDuty user guide, guardduty_organizations.html",
    },
    securityhub: {
        members: 10_000,
        // "The Security Hub CSPM delegated administrator can enable and manage Security Hub CSPM for up to
        // 10,000 member accounts."
        source: "Security Hub CSPM user guide, securityhub-accounts-orgs.html",
    },
    macie: {
        members: 10_000,
        // "a designated Macie administrator can enable and manage Macie for as many as 10,000 accounts."
        source: "Macie user guide, accounts-mgmt-ao.html",
    },
    detective: {
        members: 1_200,
        // "A behavior graph can have up to 1,200 member accounts." The SDK's ServiceQuotaExceededException
        // (@aws-sdk/client-detective, models/errors.d.ts) says the same.
        source: "Detective user guide, accounts.html",
    },
    inspector: {
        members: 10_000,
        // "The delegated administrator can manage a maximum of 10,000 members."
        source: "Inspector user guide, designating-admin.html",
    },
};

/** GuardDuty's limit on addresses and CIDRs in one threat IP list (GuardDuty user guide, guardduty_limits.html). */
export const MAX_THREAT_LIST_ENTRIES = 250_000;

export interface QuotaSplit<T> {
    /** The accounts to enroll: never more than the quota. */
    members: T[];
    /** The accounts the quota leaves out, in the order they would have come. */
    beyond: T[];
}

/**
 * The plan's projection of the accounts a service's administrator holds as members, within its quota: the
 * administrator itself is never its own member; the management account comes first (it holds the
 * organization's most powerful principals), then the others in the order given (account ID order, from
 * discovery). The enrollment function decides the same at run time, priorities included.
 */
export function membersWithinQuota<T extends { id: string }>(
    service: GovernedService,
    accounts: readonly T[],
    adminAccountId: string,
    managementAccountId: string,
): QuotaSplit<T> {
    const others = accounts.filter((account) => account.id !== adminAccountId);
    const ordered = [
        ...others.filter((account) => account.id === managementAccountId),
        ...others.filter((account) => account.id !== managementAccountId),
    ];
    const quota = MEMBER_QUOTAS[service].members;
    return { members: ordered.slice(0, quota), beyond: ordered.slice(quota) };
}

/**
 * Automation rules per Security Hub administrator: "a maximum of 100 automation rules for each administrator
 * account" (Security Hub CSPM user guide, automation-rules.html), and for V2 "a maximum of 100 automation rules
 * per account in each ... Region" (Security Hub user guide, securityhub-v2-automation-rules.html). Each
 * securityhub noise rule takes one of each, in every region it is made in.
 */
export const MAX_AUTOMATION_RULES = 100;
