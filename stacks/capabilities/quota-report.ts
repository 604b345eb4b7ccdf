import * as pulumi from "@pulumi/pulumi";
import { GOVERNED_SERVICES, type GovernedService } from "../availability";
import { foreignRuleAccounts, type OrganizationAccount } from "../organization";
import { MEMBER_QUOTAS, membersWithinQuota, type QuotaSplit } from "../quotas";
import type { StackContext } from "./context";

/** Each service's members within its quota and beyond it, and the count beyond as the stack reports it. */
export interface QuotaReport {
    split: Record<GovernedService, QuotaSplit<OrganizationAccount>>;
    beyondQuota: Partial<Record<GovernedService, { count: number }>>;
}

/**
 * What each service's quota lets it cover, as the enrollment function will decide it at run time: the
 * plan reports the rest now, before anything is deployed. Also warns of suppression rules naming accounts
 * outside the organization.
 */
export function reportQuotas({ config, organization }: StackContext): QuotaReport {
    const { accounts } = config;
    const discovered = organization.accounts;
    const split = Object.fromEntries(
        GOVERNED_SERVICES.map((service) => [
            service,
            membersWithinQuota(service, discovered, accounts.securityAdmin, accounts.management),
        ]),
    ) as Record<GovernedService, QuotaSplit<OrganizationAccount>>;
    warnOfForeignAccounts(config.guardduty.suppressionRules, discovered);
    const beyondQuota = reportBeyondQuota(split, {
        macie: config.macie.enabled,
        detective: config.detective.enabled,
        inspector: config.inspector.enabled,
    });
    return { split, beyondQuota };
}

function warnOfForeignAccounts(
    rules: readonly { name: string; accountIds?: string[] }[],
    accounts: readonly { id: string }[],
): void {
    for (const { rule, accountIds } of foreignRuleAccounts(rules, accounts)) {
        pulumi.log.warn(
            `security-governance:guardduty.suppressionRules ${rule}: accountIds ${accountIds.join(", ")} not in the organization's ACTIVE accounts; the rule archives nothing for them`,
        );
    }
}

/**
 * Warns, once per service, about the accounts its member quota leaves out, and returns their number as a
 * stack output (no account ID: nothing about member accounts goes into the state).
 */
function reportBeyondQuota(
    split: Record<GovernedService, QuotaSplit<OrganizationAccount>>,
    enabled: Partial<Record<GovernedService, boolean>>,
): Partial<Record<GovernedService, { count: number }>> {
    const report: Partial<Record<GovernedService, { count: number }>> = {};
    for (const service of GOVERNED_SERVICES) {
        const beyond = split[service].beyond;
        if (beyond.length === 0 || enabled[service] === false) continue;
        const first = beyond.slice(0, 10).map((account) => account.id);
        report[service] = { count: beyond.length };
        const { members, source } = MEMBER_QUOTAS[service];
        pulumi.log.warn(
            `${service}: ${beyond.length} account(s) beyond its quota of ${members} members per administrator and region (${source}) are not covered, from ${first.join(", ")}`,
        );
    }
    return report;
}
